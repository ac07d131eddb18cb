import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { IngotError } from '../../../src/errors/index.js';
import { Redactor } from '../../../src/redact.js';

let dir: string;
const FP = 'ab'.repeat(32);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingot-config-'));
});

async function load(env: Record<string, string>, flags = {}, file?: string) {
  const redactor = new Redactor();
  // HOME points at an empty directory so a developer's own config file never leaks in.
  const config = await loadConfig({ env: { HOME: dir, ...env }, cwd: dir, file, flags, redactor });
  return { config, redactor };
}

async function failure(promise: Promise<unknown>): Promise<IngotError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IngotError);
  return error as IngotError;
}

describe('configuration precedence: flags > environment > file > defaults', () => {
  it('takes the flag over the environment over the file', async () => {
    const file = join(dir, 'c.yaml');
    await writeFile(file, 'xapi:\n  url: https://from-file.test\n  username: fileuser\nrackspace:\n  region: iad\n');
    const both = await load({ INGOT_XAPI_URL: 'https://from-env.test' }, { xapiUrl: 'https://from-flag.test' }, file);
    expect(both.config.xapi.url).toBe('https://from-flag.test');
    expect(both.config.sources['xapi.url']).toBe('flag');
    const env = await load({ INGOT_XAPI_URL: 'https://from-env.test' }, {}, file);
    expect(env.config.xapi.url).toBe('https://from-env.test');
    expect(env.config.xapi.username).toBe('fileuser');
    expect(env.config.sources['xapi.username']).toBe('file');
    expect(env.config.rackspace.region).toBe('IAD');
  });

  it('defaults the user to root, the trust to the system CAs and the identity URL to Rackspace', async () => {
    const { config } = await load({});
    expect(config.xapi.username).toBe('root');
    expect(config.xapi.tls).toEqual({ kind: 'system' });
    expect(config.rackspace.identityUrl).toMatch(/^https:\/\/identity\.api\.rackspacecloud\.com\/v2\.0$/);
    expect(config.file).toBeUndefined();
  });

  it('reads the default file from XDG_CONFIG_HOME when it exists', async () => {
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'xdg', 'ingot'), { recursive: true }));
    await writeFile(join(dir, 'xdg', 'ingot', 'config.yaml'), 'xapi:\n  url: https://xdg.test\n');
    const { config } = await load({ XDG_CONFIG_HOME: join(dir, 'xdg') });
    expect(config.xapi.url).toBe('https://xdg.test');
    expect(config.file).toBe(join(dir, 'xdg', 'ingot', 'config.yaml'));
  });
});

describe('secrets', () => {
  it('reads a password from the _FILE variable without its trailing newline and registers it', async () => {
    await writeFile(join(dir, 'pw'), 's3cret-pass\n');
    const { config, redactor } = await load({ INGOT_XAPI_PASSWORD_FILE: 'pw' });
    expect(config.xapi.password).toBe('s3cret-pass');
    expect(redactor.text('login failed for s3cret-pass')).toBe('login failed for [redacted]');
  });

  it('reads the API key file named in the config file, relative to that file', async () => {
    await writeFile(join(dir, 'key'), 'abcdef0123456789');
    await writeFile(join(dir, 'c.yaml'), 'rackspace:\n  username: alice\n  api_key_file: key\n');
    const { config } = await load({}, {}, join(dir, 'c.yaml'));
    expect(config.rackspace.apiKey).toBe('abcdef0123456789');
    expect(config.sources['rackspace.api_key']).toBe('file');
  });

  it('refuses a secret written inline in the config file and names the _file key to use', async () => {
    await writeFile(join(dir, 'c.yaml'), 'xapi:\n  password: hunter22\n');
    const error = await failure(load({}, {}, join(dir, 'c.yaml')));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('xapi.password');
    expect(error.message).not.toContain('hunter22');
    expect(error.hint).toContain('xapi.password_file');
  });

  it('refuses both VAR and VAR_FILE', async () => {
    const error = await failure(load({ RAX_API_KEY: 'abcd1234', RAX_API_KEY_FILE: '/nonexistent' }));
    expect(error.message).toContain('both RAX_API_KEY and RAX_API_KEY_FILE');
  });

  it('names an unreadable secret file and how to fix it', async () => {
    const error = await failure(load({ INGOT_XAPI_PASSWORD_FILE: join(dir, 'missing') }));
    expect(error.code).toBe('SECRET_UNREADABLE');
    expect(error.message).toContain(join(dir, 'missing'));
  });

  it('refuses an empty secret file', async () => {
    await writeFile(join(dir, 'empty'), '\n');
    await chmod(join(dir, 'empty'), 0o600);
    const error = await failure(load({ RAX_PASSWORD_FILE: join(dir, 'empty') }));
    expect(error.message).toContain('empty');
  });
});

describe('TLS trust', () => {
  it('normalises a pinned fingerprint to colon-separated upper case', async () => {
    const { config } = await load({ INGOT_XAPI_FINGERPRINT: FP });
    expect(config.xapi.tls).toEqual({ kind: 'fingerprint', sha256: 'AB:'.repeat(31) + 'AB' });
  });

  it('rejects a fingerprint that is not 64 hex digits', async () => {
    const error = await failure(load({ INGOT_XAPI_FINGERPRINT: 'AB:CD' }));
    expect(error.message).toContain('not a SHA-256 certificate fingerprint');
  });

  it('refuses a CA file and a fingerprint together', async () => {
    const error = await failure(load({ INGOT_XAPI_FINGERPRINT: FP, INGOT_XAPI_CA_FILE: 'ca.pem' }));
    expect(error.message).toContain('both a CA file and a certificate fingerprint');
  });
});

describe('URLs', () => {
  it('rejects a XAPI URL that is not http(s)', async () => {
    const error = await failure(load({ INGOT_XAPI_URL: 'ftp://host' }));
    expect(error.message).toContain('ftp:');
  });

  it('rejects credentials embedded in the URL without echoing them', async () => {
    const error = await failure(load({ INGOT_XAPI_URL: 'https://root:pa55word@host.test' }));
    expect(error.message).toContain('carries credentials');
    expect(`${error.message} ${error.hint}`).not.toContain('pa55word');
  });

  it('rejects an unknown key in the config file with the allowed ones', async () => {
    await writeFile(join(dir, 'c.yaml'), 'xapi:\n  hostname: x\n');
    const error = await failure(load({}, {}, join(dir, 'c.yaml')));
    expect(error.message).toContain('unknown key xapi.hostname');
    expect(error.hint).toContain('url, username');
  });
});

describe('the running lab host as the default host', () => {
  async function fakeLab(): Promise<Record<string, string>> {
    const state = join(dir, 'state');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(state, 'ingot', 'lab'), { recursive: true }));
    await writeFile(join(dir, 'labpw'), 'lab-secret-pw\n');
    // The state file of a lab whose process is alive (this test's own pid stands in for it).
    await writeFile(join(state, 'ingot', 'lab', 'lab.json'), JSON.stringify({ pid: process.pid, url: 'https://127.0.0.1:18443', user: 'root', fingerprint: 'CD:'.repeat(31) + 'CD', passwordFile: join(dir, 'labpw') }));
    return { XDG_STATE_HOME: state };
  }

  it('is used when no host is configured anywhere, with its URL, password file and fingerprint', async () => {
    const { config, redactor } = await load(await fakeLab());
    expect(config.xapi).toMatchObject({ url: 'https://127.0.0.1:18443', username: 'root', password: 'lab-secret-pw', tls: { kind: 'fingerprint', sha256: 'CD:'.repeat(31) + 'CD' } });
    expect(config.sources).toMatchObject({ 'xapi.url': 'lab', 'xapi.password': 'lab', 'xapi.fingerprint': 'lab' });
    expect(redactor.text('pw lab-secret-pw')).not.toContain('lab-secret-pw');
  });

  it('is ignored as soon as a host is configured', async () => {
    const { config } = await load({ ...(await fakeLab()), INGOT_XAPI_URL: 'https://xcp.test' });
    expect(config.xapi.url).toBe('https://xcp.test');
    expect(config.xapi.password).toBeUndefined();
    expect(config.xapi.tls).toEqual({ kind: 'system' });
  });
});
