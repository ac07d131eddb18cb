// Resolves ingot's configuration. Precedence, highest first: command-line flags, environment,
// configuration file, a running lab host (only when no host is configured), defaults
// (docs/configuration.md). Secrets come only from the environment
// or from files, and are registered with the Redactor as they are read.
import { resolve } from 'node:path';
import { IngotError } from '../errors/index.js';
import type { Redactor } from '../redact.js';
import { runningLab } from '../lab/daemon.js';
import { labDir } from '../lab/settings.js';
import { configFilePath, readConfigFile } from './file.js';
import { nonEmpty, readSecret } from './secret.js';
import { chooseTrust } from './tls.js';
import type { IngotConfig } from './types.js';

export type { IngotConfig, RackspaceConfig, TlsTrust, XapiConfig } from './types.js';
export { normaliseFingerprint } from './tls.js';

/** Rackspace's public Identity v2.0 endpoint. */
export const RACKSPACE_IDENTITY_URL = 'https://identity.api.rackspacecloud.com/v2.0';

export interface ConfigFlags {
  xapiUrl?: string | undefined;
  xapiUsername?: string | undefined;
  caFile?: string | undefined;
  fingerprint?: string | undefined;
  bastion?: string | undefined;
  identityUrl?: string | undefined;
  region?: string | undefined;
}

export interface ConfigInput {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** --config */
  file?: string | undefined;
  flags?: ConfigFlags;
  redactor: Redactor;
}

export async function loadConfig({ env, cwd, file, flags = {}, redactor }: ConfigInput): Promise<IngotConfig> {
  const where = configFilePath(file, env, cwd);
  const cfg = await readConfigFile(where.path, where.required);
  const sources: IngotConfig['sources'] = {};

  const pick = (key: string, flag: string | undefined, envName: string, fromFile: string | undefined, fallback?: string): string | undefined => {
    const candidates: Array<[string | undefined, 'flag' | 'env' | 'file']> = [
      [nonEmpty(flag), 'flag'],
      [nonEmpty(env[envName]), 'env'],
      [fromFile, 'file'],
    ];
    for (const [value, source] of candidates) {
      if (value !== undefined) {
        sources[key] = source;
        return value;
      }
    }
    sources[key] = 'default';
    return fallback;
  };

  let url = pick('xapi.url', flags.xapiUrl, 'INGOT_XAPI_URL', cfg?.xapi.url);
  if (url !== undefined) checkUrl(url, 'XAPI host URL', 'INGOT_XAPI_URL');
  // With no host configured at all, a lab host running in its default state directory
  // (`ingot lab up`) is the host: its URL, user, password file and certificate fingerprint come
  // from its state file, exactly what a user would otherwise copy into the environment.
  const lab = url === undefined ? await runningLab(labDir(undefined, env, cwd)) : undefined;
  if (lab !== undefined) {
    url = lab.url;
    sources['xapi.url'] = 'lab';
  }
  // Usernames can appear in URLs and logs; they are not secrets.
  let username = pick('xapi.username', flags.xapiUsername, 'INGOT_XAPI_USERNAME', cfg?.xapi.username, 'root');
  if (lab !== undefined && sources['xapi.username'] === 'default') [username, sources['xapi.username']] = [lab.user, 'lab'];
  const caRaw = pick('xapi.ca_file', flags.caFile, 'INGOT_XAPI_CA_FILE', cfg?.xapi.ca_file);
  let fingerprint = pick('xapi.fingerprint', flags.fingerprint, 'INGOT_XAPI_FINGERPRINT', cfg?.xapi.fingerprint);
  if (lab?.fingerprint !== undefined && caRaw === undefined && fingerprint === undefined) [fingerprint, sources['xapi.fingerprint']] = [lab.fingerprint, 'lab'];
  const bastion = pick('xapi.bastion', flags.bastion, 'INGOT_BASTION', cfg?.xapi.bastion);
  const password = await readSecret({ name: 'INGOT_XAPI_PASSWORD', env, fileFromConfig: cfg?.xapi.password_file ?? lab?.passwordFile, cwd, redactor });
  sources['xapi.password'] = password.source === 'file' && cfg?.xapi.password_file === undefined && lab !== undefined ? 'lab' : password.source;

  const identityUrl = pick('rackspace.identity_url', flags.identityUrl, 'RAX_IDENTITY_URL', cfg?.rackspace.identity_url, RACKSPACE_IDENTITY_URL)!;
  checkUrl(identityUrl, 'Rackspace identity URL', 'RAX_IDENTITY_URL');
  const apiKey = await readSecret({ name: 'RAX_API_KEY', env, fileFromConfig: cfg?.rackspace.api_key_file, cwd, redactor });
  const raxPassword = await readSecret({ name: 'RAX_PASSWORD', env, fileFromConfig: cfg?.rackspace.password_file, cwd, redactor });
  sources['rackspace.api_key'] = apiKey.source;
  sources['rackspace.password'] = raxPassword.source;

  return {
    xapi: {
      url,
      username,
      password: password.value,
      tls: chooseTrust(caRaw === undefined ? undefined : resolve(cwd, caRaw), fingerprint),
      bastion,
    },
    rackspace: {
      username: pick('rackspace.username', undefined, 'RAX_USERNAME', cfg?.rackspace.username),
      apiKey: apiKey.value,
      password: raxPassword.value,
      region: pick('rackspace.region', flags.region, 'RAX_REGION', cfg?.rackspace.region)?.toUpperCase(),
      identityUrl,
    },
    sources,
    file: cfg?.path,
  };
}

function checkUrl(value: string, what: string, envName: string): void {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch (error) {
    throw new IngotError('CONFIG_INVALID', `the ${what} '${value}' is not a URL`, {
      hint: `Set ${envName} to a URL such as https://host.example or http://127.0.0.1:8443.`,
      cause: error,
    });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new IngotError('CONFIG_INVALID', `the ${what} '${value}' uses ${parsed.protocol} where http: or https: was expected`, {
      hint: `Set ${envName} to an https:// URL (http:// only for a host on loopback).`,
    });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new IngotError('CONFIG_INVALID', `the ${what} carries credentials in the URL`, {
      hint: 'Remove user:password@ from the URL; give the user and password through their own settings.',
    });
  }
}
