// What one build carries from stage to stage: the inputs (recipe, config, ports) and what each
// stage produced. Stages fill the optional fields; a stage reading one that an earlier stage
// should have set uses `need()`, so a wiring mistake is a clear bug, not an undefined deep down.
import { randomBytes } from 'node:crypto';
import type { Report } from '../../cli/events.js';
import type { IngotConfig } from '../../config/index.js';
import type { Redactor } from '../../redact.js';
import type { Recipe, ResolvedVariables } from '../../recipe/index.js';
import type { GuestSession, StepResult, WaitOptions } from '../../guest/ssh/index.js';
import type { ReadinessResult } from '../../guest/readiness/index.js';
import type { KeyPair } from '../../guest/seed/index.js';
import type { CheckResult } from '../../vhd/index.js';
import type { XapiClient } from '../../xapi/client.js';
import type { HostVersions } from '../../xapi/host.js';
import type { SourceDisk } from '../../xapi/source-disk.js';
import type { ChosenSr } from '../../xapi/sr.js';
import type { Ref } from '../../xapi/types.generated.js';
import type { CleanupStack } from '../cleanup.js';
import type { RehearsalResult } from '../rehearse/index.js';
import type { ResolvedImage } from '../source.js';

export interface BuildInputs {
  recipe: Recipe;
  digest: string;
  variables: ResolvedVariables;
  config: IngotConfig;
  redactor: Redactor;
  report: Report;
  env: NodeJS.ProcessEnv;
  /** Where the build makes its private temporary directory (converted images, exports; removed at the end). */
  workDir: string;
  keep: boolean;
  push: boolean;
  /** --rehearse: boot the exported VHD as Rackspace would before the manifest and the push. */
  rehearse?: boolean;
}

export interface BuildContext extends BuildInputs {
  buildId: string;
  started: Date;
  cleanup: CleanupStack;
  image?: ResolvedImage;
  /** source.template / source.vdi: the disk on the host the build disk is cloned from (found by the storage stage). */
  sourceDisk?: SourceDisk;
  xapi?: XapiClient;
  host?: HostVersions;
  sr?: ChosenSr;
  disk?: { vdi: Ref<'VDI'>; virtualSize: number; method: 'import' | 'VDI.clone' | 'VDI.copy' };
  vm?: Ref<'VM'>;
  access?: { user: string; buildKey: KeyPair; hostKey: KeyPair };
  seed?: { vdi: Ref<'VDI'>; vbd: Ref<'VBD'>; created: boolean };
  guest?: { address: string; session: GuestSession; wait: WaitOptions };
  steps: StepResult[];
  /** Set by the readiness stage; its run.sh already scheduled the guest's power-off. */
  readiness?: ReadinessResult;
  output?: { path: string; size: number; sha256: string; virtualSize: number };
  check?: CheckResult;
  pushResult?: Record<string, unknown>;
  rehearsal?: RehearsalResult;
}

export function newBuildId(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${name}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** A value an earlier stage must have set; its absence is a bug in the stage order. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`build stage order: ${what} is not available yet`);
  return value;
}
