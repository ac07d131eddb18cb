// Identity v2.0 sessions against the identity emulator (no Swift needed: a fixed token stands in
// for tempauth's): token reuse, refresh before expiry, offset-form `expires`, redaction, errors.
import { afterEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../../src/redact.js';
import { DEFAULT_RETRY } from '../../../src/rackspace/http.js';
import { IdentitySession } from '../../../src/rackspace/identity.js';
import { listen, type Listening } from '../../support/rackspace/http-util.js';
import { identityHandler, type IdentityConfig, type IdentityState } from '../../support/rackspace/identity-emulator.js';

let server: Listening | undefined;
afterEach(async () => server?.close());

async function start(over: Partial<IdentityConfig> = {}): Promise<{ url: string; state: IdentityState }> {
  let n = 0;
  const state: IdentityState = { issued: [], faults: [], log: [] };
  const cfg: IdentityConfig = {
    username: 'alice', apiKey: 'alice-api-key-1234', password: 'alice-password-1234', tenantId: '123456', region: 'IAD',
    swiftToken: async () => `AUTH_tk${(++n).toString().padStart(30, '0')}`, storageUrl: () => 'http://127.0.0.1:9/v1/AUTH_x',
    imagesUrl: () => 'http://127.0.0.1:9/v2', computeUrl: () => 'http://127.0.0.1:9', tokenLifeMs: 24 * 3600_000, offsetExpires: false, ...over,
  };
  server = await listen(identityHandler(cfg, state));
  return { url: `${server.url}/v2.0`, state };
}

const http = { retry: { ...DEFAULT_RETRY, baseDelayMs: 10, attempts: 3 } };

describe('Identity session', () => {
  it('reuses the token while it is valid, reads the default region, and masks the token and key', async () => {
    const { url, state } = await start({ offsetExpires: true });
    const redactor = new Redactor();
    const session = new IdentitySession({ identityUrl: url, credentials: { username: 'alice', apiKey: 'alice-api-key-1234' }, redactor, http });
    const first = await session.access();
    expect(await session.token()).toBe(first.token);
    expect(state.log).toHaveLength(1);
    expect(first.defaultRegion).toBe('IAD');
    expect(first.expiresAt).toBeGreaterThan(Date.now() + 23 * 3600_000); // "-05:00" parsed, not misread
    expect(redactor.text(`token ${first.token} key alice-api-key-1234`)).toBe('token [redacted] key [redacted]');
  });

  it('authenticates again shortly before the token expires', async () => {
    const { url, state } = await start({ tokenLifeMs: 60_000 });
    const session = new IdentitySession({ identityUrl: url, credentials: { username: 'alice', password: 'alice-password-1234' }, redactor: new Redactor(), http, refreshMarginMs: 300_000 });
    const a = await session.token();
    const b = await session.token();
    expect(state.log).toHaveLength(2);
    expect(a).not.toBe(b);
  });

  it('shares one authentication between concurrent refreshes', async () => {
    const { url, state } = await start();
    const session = new IdentitySession({ identityUrl: url, credentials: { username: 'alice', apiKey: 'alice-api-key-1234' }, redactor: new Redactor(), http });
    await Promise.all([session.refresh(), session.refresh(), session.refresh()]);
    expect(state.log).toHaveLength(1);
  });

  it('reports refused credentials as RAX_AUTH_FAILED with a hint, without the key', async () => {
    const { url } = await start();
    const session = new IdentitySession({ identityUrl: url, credentials: { username: 'alice', apiKey: 'not-the-key-5678' }, redactor: new Redactor(), http });
    const error = (await session.access().catch((e: unknown) => e)) as Error & { code: string; hint: string; exitStatus: number };
    expect(error.code).toBe('RAX_AUTH_FAILED');
    expect(error.exitStatus).toBe(3);
    expect(error.message).toMatch(/refused user alice \(401\): .*Unable to authenticate user/);
    expect(error.hint).toMatch(/RAX_USERNAME and the API key/);
    expect(`${error.message} ${error.hint}`).not.toContain('not-the-key-5678');
  });

  it('retries Identity rate limiting (413 + Retry-After)', async () => {
    const { url, state } = await start();
    state.faults.push({ method: 'POST', path: /tokens/, status: 413, times: 1, headers: { 'Retry-After': '0' }, body: { overLimit: { code: 413, message: 'Rate limited' } } });
    const session = new IdentitySession({ identityUrl: url, credentials: { username: 'alice', apiKey: 'alice-api-key-1234' }, redactor: new Redactor(), http });
    await session.access();
    expect(state.log).toHaveLength(2);
  });
});
