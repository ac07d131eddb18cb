import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { request, Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngotError } from '../../../src/errors/index.js';
import { trustOptions } from '../../../src/xapi/tls.js';
import { selfSigned, type SelfSigned } from '../../support/tls/self-signed.js';

let host: SelfSigned;
let other: SelfSigned;
let server: Server;
let url: URL;

beforeAll(async () => {
  [host, other] = await Promise.all([selfSigned('xcp-host.test'), selfSigned('impostor.test')]);
  server = createServer({ key: host.key, cert: host.cert }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(() => server.close());

async function get(opts: object): Promise<string> {
  const dispatcher = new Agent({ connect: opts });
  try {
    const res = await request(url, { dispatcher });
    return await res.body.text();
  } finally {
    await dispatcher.close();
  }
}

describe('XAPI TLS trust', () => {
  it('accepts the host whose certificate matches the pinned fingerprint, even when its name differs from the URL', async () => {
    const opts = await trustOptions(url, { kind: 'fingerprint', sha256: host.fingerprint });
    expect(await get(opts)).toBe('ok');
  });

  it('refuses a host whose certificate does not match the pin, naming both fingerprints', async () => {
    const error = await trustOptions(url, { kind: 'fingerprint', sha256: other.fingerprint }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngotError);
    expect((error as IngotError).code).toBe('XAPI_TLS_UNTRUSTED');
    expect((error as IngotError).message).toContain(host.fingerprint);
    expect((error as IngotError).message).toContain(other.fingerprint);
  });

  it('keeps verifying after the pin check: a dispatcher pinned to one certificate rejects another', async () => {
    const pinnedToOther = { ca: other.cert, checkServerIdentity: () => undefined };
    await expect(get(pinnedToOther)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('verifies against the system CAs by default, which a self-signed host fails', async () => {
    const opts = await trustOptions(url, { kind: 'system' });
    expect(opts).toEqual({});
    await expect(get(opts)).rejects.toThrow(/self[- ]signed|certificate/i);
  });

  it('names an unreadable CA file', async () => {
    const error = await trustOptions(url, { kind: 'ca', caFile: '/nonexistent/ca.pem' }).catch((e: unknown) => e);
    expect((error as IngotError).message).toContain('/nonexistent/ca.pem');
  });

  it('reports an unreachable host as such', async () => {
    const closed = new URL('https://127.0.0.1:1');
    const error = await trustOptions(closed, { kind: 'fingerprint', sha256: host.fingerprint }).catch((e: unknown) => e);
    expect((error as IngotError).code).toBe('XAPI_UNREACHABLE');
  });
});
