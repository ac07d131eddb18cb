// The optional configuration file (YAML). It may name secret *files*, never secrets themselves,
// so a config file can be shared or committed without leaking anything.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { IngotError } from '../errors/index.js';

export interface ConfigFile {
  path: string;
  xapi: Partial<Record<'url' | 'username' | 'password_file' | 'ca_file' | 'fingerprint' | 'bastion', string>>;
  rackspace: Partial<Record<'username' | 'api_key_file' | 'password_file' | 'region' | 'identity_url', string>>;
}

const ALLOWED = {
  xapi: ['url', 'username', 'password_file', 'ca_file', 'fingerprint', 'bastion'],
  rackspace: ['username', 'api_key_file', 'password_file', 'region', 'identity_url'],
} as const;

const INLINE_SECRETS: Record<string, string> = { password: 'password_file', api_key: 'api_key_file', apikey: 'api_key_file' };

/** Which file to read: --config, then $INGOT_CONFIG, then the XDG default if it exists. */
export function configFilePath(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): { path: string; required: boolean } {
  if (flag !== undefined) return { path: resolve(cwd, flag), required: true };
  if (env.INGOT_CONFIG) return { path: resolve(cwd, env.INGOT_CONFIG), required: true };
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return { path: join(base, 'ingot', 'config.yaml'), required: false };
}

export async function readConfigFile(path: string, required: boolean): Promise<ConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IngotError('CONFIG_INVALID', `cannot read the configuration file ${path}`, {
      hint: 'Check the path given by --config or INGOT_CONFIG.',
      cause: error,
    });
  }
  let data: unknown;
  try {
    data = parse(text) ?? {};
  } catch (error) {
    throw new IngotError('CONFIG_INVALID', `the configuration file ${path} is not valid YAML: ${(error as Error).message}`, {
      hint: 'Fix the YAML syntax at the position shown.',
      cause: error,
    });
  }
  const base = dirname(path);
  const out: ConfigFile = { path, xapi: {}, rackspace: {} };
  for (const [section, value] of Object.entries(asMap(data, path, '(top level)'))) {
    if (section !== 'xapi' && section !== 'rackspace') {
      throw new IngotError('CONFIG_INVALID', `${path}: unknown section '${section}'`, { hint: 'Allowed sections: xapi, rackspace.' });
    }
    const allowed: readonly string[] = ALLOWED[section];
    for (const [key, raw] of Object.entries(asMap(value, path, section))) {
      const insteadOf = INLINE_SECRETS[key];
      if (insteadOf !== undefined) {
        throw new IngotError('CONFIG_INVALID', `${path}: ${section}.${key} would put a secret in the configuration file`, {
          hint: `Put the secret in a file readable only by you and name it with ${section}.${insteadOf}, or use the environment.`,
        });
      }
      if (!allowed.includes(key)) {
        throw new IngotError('CONFIG_INVALID', `${path}: unknown key ${section}.${key}`, { hint: `Allowed keys in ${section}: ${allowed.join(', ')}.` });
      }
      if (typeof raw !== 'string' || raw === '') {
        throw new IngotError('CONFIG_INVALID', `${path}: ${section}.${key} must be a non-empty string`, { hint: `Found ${JSON.stringify(raw)}.` });
      }
      (out[section] as Record<string, string>)[key] = key.endsWith('_file') ? resolve(base, raw) : raw;
    }
  }
  return out;
}

function asMap(value: unknown, path: string, where: string): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new IngotError('CONFIG_INVALID', `${path}: ${where} must be a mapping`, { hint: 'See docs/configuration.md for the file layout.' });
}
