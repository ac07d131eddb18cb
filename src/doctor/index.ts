// `ingot doctor` as a library call: every check in order, each handed to `onCheck` as it finishes.
// Local tools first, then the configuration, the XAPI host and Rackspace (through the same client
// code a build and a push use), then what only the lab host needs.
import { loadConfig, type IngotConfig } from '../config/index.js';
import type { Redactor } from '../redact.js';
import { checkLab, type LabProbe } from './lab.js';
import { checkNode, checkQemuImg } from './local.js';
import { checkRackspace } from './rackspace.js';
import { fromError, ok, type Check } from './types.js';
import { checkXapi } from './xapi.js';

export type { Check, CheckStatus } from './types.js';

export interface DoctorInput {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** --config */
  configFile: string | undefined;
  redactor: Redactor;
  signal?: AbortSignal;
  onCheck?: (check: Check) => void;
  /** Host facts for the lab checks; tests point these at fake trees. */
  lab?: Omit<LabProbe, 'env' | 'signal'>;
}

export async function runDoctor(input: DoctorInput): Promise<Check[]> {
  const { env, redactor, signal } = input;
  const checks: Check[] = [];
  const add = (...found: Check[]) => {
    for (const c of found) {
      checks.push(c);
      input.onCheck?.(c);
    }
  };
  add(checkNode());
  add(await checkQemuImg(env, signal));
  let config: IngotConfig | undefined;
  try {
    config = await loadConfig({ env, cwd: input.cwd, file: input.configFile, redactor });
    add(ok('config', config.file === undefined ? 'no configuration file; settings from the environment' : `configuration file ${config.file}`));
  } catch (error) {
    add(fromError('config', error, 'Fix the configuration (docs/configuration.md); `ingot config` shows what was resolved.'));
  }
  if (config !== undefined) {
    add(...(await checkXapi(config, { redactor, ...(signal ? { signal } : {}) })));
    add(...(await checkRackspace(config, { redactor, ...(signal ? { signal } : {}) })));
  }
  add(...(await checkLab({ env, ...(signal ? { signal } : {}), ...input.lab })));
  return checks;
}
