// What one rehearsal carries from stage to stage: its inputs and what each stage made.
import type { Report } from '../../cli/events.js';
import type { IngotConfig } from '../../config/index.js';
import type { KeyPair } from '../../guest/seed/index.js';
import type { GuestSession } from '../../guest/ssh/index.js';
import type { Redactor } from '../../redact.js';
import type { XapiClient } from '../../xapi/client.js';
import type { ChosenSr } from '../../xapi/sr.js';
import type { Ref } from '../../xapi/types.generated.js';
import type { CleanupStack } from '../cleanup.js';
import type { BuildIdentity, RehearsalCheck } from './checks.js';

/** The VM the image boots in. BIOS HVM always: that is how Rackspace boots an image with vm_mode=hvm (rackspace.md §4.1). */
export interface RehearsalVm {
  template: string;
  memoryBytes: number;
  vcpus: number;
  platform: Record<string, string>;
  /** A network name or uuid, or 'default' (the management network). */
  network: string;
  /** An SR name or uuid, or 'default' (the pool default). */
  sr: string;
}

export interface RehearseInputs {
  vhd: { path: string; length: number; virtualSize: number };
  sshUser: string;
  hostname: string;
  buildUser: string;
  identity?: BuildIdentity;
  vm: RehearsalVm;
  config: IngotConfig;
  redactor: Redactor;
  report: Report;
  env: NodeJS.ProcessEnv;
  /** Marks every object on the host (other_config ingot:build), so `ingot clean --build ID` finds it. */
  id: string;
  keep: boolean;
  /** How long the guest may take from start to a login with cloud-init finished. */
  readyTimeoutMs: number;
  /** What to raise when that runs out, and its value now (the option or the recipe settings). */
  timeoutFix: string;
  /** An open connection to reuse (ingot build --rehearse); otherwise rehearse opens and closes its own. */
  xapi?: XapiClient;
}

export interface RehearseContext extends RehearseInputs {
  cleanup: CleanupStack;
  sr?: ChosenSr;
  disk?: Ref<'VDI'>;
  vmRef?: Ref<'VM'>;
  mac?: string;
  key?: KeyPair;
  address?: string;
  session?: GuestSession;
  presentedHostKey?: string;
  checks?: RehearsalCheck[];
}
