// Connecting to the guest: the pinned host key, the hard per-attempt deadline, the readiness loop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectGuest, fingerprintOf, waitForGuest, type ConnectOptions } from '../../../src/guest/ssh/index.js';
import { IngotError } from '../../../src/errors/index.js';
import type { IngotEvent } from '../../../src/cli/events.js';
import { generateKeyPair, startSshFixture, type SshFixture } from '../../support/ssh/server.js';
import ssh2 from 'ssh2';
import { createServer, type AddressInfo } from 'node:net';

let guest: SshFixture;

beforeAll(async () => {
  guest = await startSshFixture();
});
afterAll(async () => {
  await guest?.close();
});

function options(extra: Partial<ConnectOptions> = {}): ConnectOptions {
  return { host: guest.host, port: guest.port, username: guest.username, privateKey: guest.clientKey.private, hostKey: guest.hostKey.public, ...extra };
}

function fingerprintOfLine(line: string): string {
  const key = ssh2.utils.parseKey(line);
  if (key instanceof Error || Array.isArray(key)) throw new Error('bad key');
  return fingerprintOf(key.getPublicSSH());
}

describe('connectGuest', () => {
  it('logs in when the server presents the pinned host key (public key line or SHA256 fingerprint)', async () => {
    for (const hostKey of [guest.hostKey.public, fingerprintOfLine(guest.hostKey.public)]) {
      const session = await connectGuest(options({ hostKey }));
      expect(session.isOpen()).toBe(true);
      session.close();
      await session.closed;
    }
  });

  it('refuses a server with another host key and shows both fingerprints', async () => {
    const other = generateKeyPair();
    const error = await connectGuest(options({ hostKey: other.public })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngotError);
    const err = error as IngotError;
    expect(err.code).toBe('GUEST_HOSTKEY_MISMATCH');
    expect(err.message).toContain(fingerprintOfLine(guest.hostKey.public));
    expect(err.message).toContain(fingerprintOfLine(other.public));
    expect(err.message).toMatch(/^The SSH server at builder@127\.0\.0\.1:\d+ presented host key SHA256:/);
    expect(err.hint).toMatch(/does not connect to unverified hosts/);
  });

  it('refuses an unusable private key without quoting it', async () => {
    const lines = guest.clientKey.private.split('\n');
    const broken = [lines[0], (lines[1] ?? '').slice(0, 30) + '!!!!' + (lines[1] ?? '').slice(34), ...lines.slice(2)].join('\n');
    const error = (await connectGuest(options({ privateKey: broken })).catch((e: unknown) => e)) as IngotError;
    expect(error.code).toBe('GUEST_AUTH_FAILED');
    const text = `${error.message} ${error.hint ?? ''} ${JSON.stringify(error.details ?? {})}`;
    for (const line of broken.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'))) expect(text).not.toContain(line);
  });

  it('reports a refused key as an authentication failure', async () => {
    const error = (await connectGuest(options({ privateKey: generateKeyPair().private })).catch((e: unknown) => e)) as IngotError;
    expect(error.code).toBe('GUEST_AUTH_FAILED');
    expect(error.details?.kind).toBe('auth');
  });

  it('cuts an attempt that hangs in the banner exchange at the per-attempt deadline', async () => {
    guest.hangBanners(1);
    const started = Date.now();
    const error = (await connectGuest(options({ timeouts: { attemptMs: 400 } })).catch((e: unknown) => e)) as IngotError;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.details?.kind).toBe('timeout-banner');
    expect(error.message).toMatch(/no SSH banner/);
  });
});

describe('waitForGuest', () => {
  it('retries past a silent port and reset connections, then waits for cloud-init', async () => {
    guest.hangBanners(2);
    guest.resetConnections(2);
    await guest.cloudInit({ dropFirst: 1 });
    const events: IngotEvent[] = [];
    const session = await waitForGuest({ ...options(), timeouts: { attemptMs: 1_500 }, backoff: { initialMs: 20, maxMs: 50 }, deadlineMs: 15_000, report: (e) => events.push(e) });
    const attempts = events.filter((e) => e.event === 'log' && e.message.startsWith('ssh: attempt'));
    expect(attempts.filter((e) => e.event === 'log' && /no SSH banner/.test(e.message))).toHaveLength(2);
    expect(attempts.filter((e) => e.event === 'log' && /reset|dropped/.test(e.message)).length).toBeGreaterThanOrEqual(3);
    expect(guest.commands.filter((c) => c.includes('cloud-init status --wait')).length).toBeGreaterThanOrEqual(2);
    session.close();
  });

  it('retries when the connection dies right after the login, before cloud-init status could start', async () => {
    guest.dropAfterLogin(2);
    const before = guest.logins;
    const events: IngotEvent[] = [];
    const session = await waitForGuest({ ...options(), backoff: { initialMs: 20, maxMs: 50 }, deadlineMs: 15_000, report: (e) => events.push(e) });
    expect(guest.logins - before).toBe(3);
    expect(events.filter((e) => e.event === 'log' && /ssh: attempt \d+ .*connection dropped/.test(e.message))).toHaveLength(2);
    session.close();
  });

  it('fails at once on a host key mismatch, without retrying', async () => {
    const before = guest.logins;
    const started = Date.now();
    const error = (await waitForGuest({ ...options({ hostKey: generateKeyPair().public }), deadlineMs: 10_000, consoleLogPath: '/var/tmp/vm/console.log' }).catch((e: unknown) => e)) as IngotError;
    expect(error.code).toBe('GUEST_HOSTKEY_MISMATCH');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error.details?.attempts).toBe(1);
    expect(error.hint).toContain('/var/tmp/vm/console.log');
    expect(guest.logins).toBe(before);
  });

  it('at the deadline, says what each kind of attempt saw and how to debug', async () => {
    guest.hangBanners(1_000);
    const error = (await waitForGuest({ ...options(), timeouts: { attemptMs: 300 }, backoff: { initialMs: 20, maxMs: 20 }, deadlineMs: 1_500, consoleLogPath: '/tmp/console.log' }).catch((e: unknown) => e)) as IngotError;
    guest.hangBanners(0);
    expect(error.code).toBe('GUEST_UNREACHABLE');
    expect(error.message).toMatch(/was not ready after \d+ s and \d+ attempt\(s\): \d+× TCP connected but no SSH banner arrived/);
    expect(error.hint).toContain('/tmp/console.log');
    expect(error.hint).toContain('--keep');
  });

  it('stops with cloud-init\'s own words when cloud-init failed', async () => {
    await guest.cloudInit({ exit: 1, output: 'status: error\nerrors:\n\t(\'scripts_user\', RuntimeError(\'Runparts: 1 failures\'))' });
    const error = (await waitForGuest({ ...options(), deadlineMs: 10_000 }).catch((e: unknown) => e)) as IngotError;
    await guest.cloudInit({});
    expect(error.code).toBe('GUEST_NOT_READY');
    expect(error.message).toContain('Runparts: 1 failures');
  });
});

describe('bastion', () => {
  let jump: SshFixture;
  beforeAll(async () => {
    jump = await startSshFixture({ username: 'ops' });
  });
  afterAll(async () => {
    await jump?.close();
  });

  it('reaches the guest through the jump host, each with its own key and pinned host key', async () => {
    const bastion = { host: jump.host, port: jump.port, username: 'ops', privateKey: jump.clientKey.private, hostKey: jump.hostKey.public };
    const logins = jump.logins;
    const session = await waitForGuest({ ...options(), bastion, deadlineMs: 10_000 });
    expect(jump.logins).toBe(logins + 1);
    session.close();
    await session.closed;
  });

  it('retries while the guest behind the jump host is not up, and names the path in the error', async () => {
    const bastion = { host: jump.host, port: jump.port, username: 'ops', privateKey: jump.clientKey.private, hostKey: jump.hostKey.public };
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address() as AddressInfo;
        probe.close(() => resolve(address.port));
      });
    });
    const error = (await waitForGuest({ ...options({ port: closedPort }), bastion, deadlineMs: 2_500, backoff: { initialMs: 100, maxMs: 200 } }).catch((e: unknown) => e)) as IngotError;
    expect(error.code).toBe('GUEST_UNREACHABLE');
    expect(error.message).toContain(`through bastion ops@127.0.0.1:${jump.port}`);
    expect(Number(error.details?.attempts)).toBeGreaterThan(1);
  });

  it('refuses a jump host whose host key is not the pinned one', async () => {
    const bastion = { host: jump.host, port: jump.port, username: 'ops', privateKey: jump.clientKey.private, hostKey: generateKeyPair().public };
    const error = (await connectGuest({ ...options(), bastion }).catch((e: unknown) => e)) as IngotError;
    expect(error.code).toBe('GUEST_HOSTKEY_MISMATCH');
    expect(error.message).toContain(`bastion ops@127.0.0.1:${jump.port}`);
  });
});
