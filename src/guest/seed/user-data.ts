// Merges the recipe's cloud-init user-data with the build access ingot needs: its own build user
// with the build key and passwordless sudo, the guest host key it pinned, and no password logins.
// The recipe keeps everything else; where it would lock ingot out, ingot wins and says so
// (policy table in docs/seed-media.md).
import YAML from 'yaml';
import type { Report } from '../../cli/events.js';
import { IngotError } from '../../errors/index.js';
import type { KeyPair } from './keys.js';

export interface BuildAccess {
  /** Name of the user ingot logs in as; chosen by ingot, removed by the readiness stage. */
  user: string;
  /** authorized_keys line of the ephemeral build key. */
  buildPublicKey: string;
  /** The guest host key, installed by cloud-init's ssh module (`ssh_keys`). */
  hostKey: KeyPair;
}

export const DEFAULT_BUILD_USER = 'ingot-build';

type CloudConfig = Record<string, unknown>;

function invalid(message: string, hint: string): IngotError {
  return new IngotError('USER_DATA_INVALID', message, { hint });
}

/** The recipe's user-data as a map: absent, a `#cloud-config` document, or an already parsed map. */
export function parseRecipeUserData(input: string | CloudConfig | undefined): CloudConfig {
  if (input === undefined) return {};
  if (typeof input !== 'string') return structuredClone(input);
  const first = input.split('\n', 1)[0]?.trim() ?? '';
  if (first !== '#cloud-config') {
    throw invalid(`The recipe's user-data starts with "${first.slice(0, 40)}", not "#cloud-config"; ingot can only merge cloud-config documents.`, 'Write the user-data as a #cloud-config map; move shell scripts into runcmd or into provisioning steps.');
  }
  let parsed: unknown;
  try {
    // cloud-init parses with PyYAML, i.e. YAML 1.1 (`yes` is true, 0777 is octal): read it the same way.
    parsed = YAML.parse(input, { version: '1.1' });
  } catch (cause) {
    throw new IngotError('USER_DATA_INVALID', `The recipe's user-data is not valid YAML: ${(cause as Error).message}`, { cause, hint: 'Fix the YAML; `cloud-init schema --config-file FILE` checks it too.' });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid(`The recipe's user-data is a YAML ${Array.isArray(parsed) ? 'list' : typeof parsed}; expected a map of cloud-config keys.`, 'Start the document with keys such as packages:, runcmd:, users:.');
  return parsed as CloudConfig;
}

/** cloud-init accepts `users` as a list, or a comma-separated string (cc_users_groups). */
function usersList(value: unknown): unknown[] {
  if (value === undefined || value === null) return ['default'];
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (Array.isArray(value)) return [...value];
  throw invalid(`The recipe's user-data "users" is a ${typeof value}; expected a list (or a comma-separated string).`, 'Write users: [default, {name: …}].');
}

function userName(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (entry !== null && typeof entry === 'object' && 'name' in entry && typeof entry.name === 'string') return entry.name;
  return undefined;
}

const warn = (report: Report, message: string): void => report({ event: 'log', level: 'warn', message: `user-data: ${message}` });

/** The modules that create ingot's user and install its keys (cloud-init's default cloud_init_modules). */
const ACCESS_MODULES = ['users_groups', 'ssh'];

/** Returns the merged map; `renderCloudConfig` turns it into the document the seed carries. */
export function mergeUserData(recipe: string | CloudConfig | undefined, access: BuildAccess, report: Report): CloudConfig {
  const config = parseRecipeUserData(recipe);

  const users = usersList(config.users);
  const kept = users.filter((u) => userName(u) !== access.user);
  if (kept.length !== users.length) warn(report, `the recipe defines a user named "${access.user}", which ingot uses for the build; ingot's definition replaces it.`);
  config.users = [...kept, {
    name: access.user,
    gecos: 'ingot build user (removed before export)',
    shell: '/bin/bash',
    sudo: 'ALL=(ALL) NOPASSWD:ALL',
    lock_passwd: true,
    ssh_authorized_keys: [access.buildPublicKey],
  }];

  if (config.ssh_pwauth !== undefined && config.ssh_pwauth !== false) {
    warn(report, `ssh_pwauth: ${String(config.ssh_pwauth)} is replaced by false during the build (key logins only); set password logins in a provisioning step if the image needs them.`);
  }
  config.ssh_pwauth = false;

  if (config.ssh_keys !== undefined) warn(report, 'the recipe\'s ssh_keys are replaced by the host key ingot generated, so the SSH client can verify the guest.');
  config.ssh_keys = { ed25519_private: access.hostKey.privateKey, ed25519_public: access.hostKey.publicKey };

  if (config.ssh_deletekeys !== undefined && config.ssh_deletekeys !== true) {
    warn(report, `ssh_deletekeys: ${String(config.ssh_deletekeys)} is replaced by true, so the image's old host keys cannot be offered instead of ingot's.`);
  }
  config.ssh_deletekeys = true;

  for (const key of ['cloud_init_modules', 'cloud-init-modules'] as const) {
    const modules = config[key];
    if (modules === undefined) continue;
    if (!Array.isArray(modules)) throw invalid(`The recipe's user-data "${key}" is not a list.`, 'List module names, as in /etc/cloud/cloud.cfg.');
    const names = modules.map((m) => String(Array.isArray(m) ? m[0] : m).replace(/-/g, '_'));
    const missing = ACCESS_MODULES.filter((m) => !names.includes(m));
    if (missing.length > 0) {
      warn(report, `${key} leaves out ${missing.join(', ')}, which create ingot's build user and install its keys; ingot adds them.`);
      config[key] = [...modules, ...missing];
    }
  }
  if (config.power_state !== undefined) {
    warn(report, 'power_state is removed for the build: it would power off or reboot the guest while ingot provisions it. Use a reboot step in the recipe instead.');
    delete config.power_state;
  }

  // ingot cannot judge file contents; it names the files that could shut its user out.
  const files = Array.isArray(config.write_files) ? config.write_files : [];
  for (const file of files) {
    const path = file !== null && typeof file === 'object' && 'path' in file ? String(file.path) : '';
    if (/^\/etc\/(ssh\/sshd_config|sudoers)/.test(path)) {
      warn(report, `write_files writes ${path}; if it restricts SSH logins or sudo, ingot's build user "${access.user}" is locked out and the build fails.`);
    }
  }
  return config;
}

/**
 * YAML 1.1 output quotes what PyYAML would otherwise turn into another type: a MAC address
 * ("52:54:00:12:34:56" is a base-60 integer in 1.1), "yes", "on", "0777". Found by the
 * cloud-init oracle test (test/integration/guest/seed-cloud-init.test.ts).
 */
export const YAML_11 = { version: '1.1', lineWidth: 0 } as const;

/** The `#cloud-config` document for the seed (NoCloud `user-data`, config drive `user_data`). */
export function renderCloudConfig(config: CloudConfig): string {
  return `#cloud-config\n# Build access merged in by ingot (docs/seed-media.md).\n${YAML.stringify(config, YAML_11)}`;
}
