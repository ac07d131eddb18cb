// `ingot lab up|status|down` and `serve` through the real CLI (built dist/), as a user runs them.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../support/run-cli.js';

let dir: string;

interface Ready {
  url: string;
  user: string;
  fingerprint: string;
  passwordFile: string;
  pid: number;
}

function resultOf(stdout: string): Ready {
  const line = stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; data: Ready }).find((e) => e.event === 'result');
  if (line === undefined) throw new Error(`no result line in ${stdout}`);
  return line.data;
}

/** One JSON-RPC call pinned to the certificate the lab printed the fingerprint of. */
function rpc(url: string, method: string, params: unknown[]): Promise<{ body: Record<string, unknown>; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
    const req = request(new URL('/jsonrpc', url), { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '';
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, fingerprint }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingot-lab-cli-'));
});
afterAll(async () => {
  await runCli(['lab', 'down', '--dir', dir]);
  await rm(dir, { recursive: true, force: true });
});

describe('ingot lab', () => {
  test('up starts it in the background, prints URL, user and fingerprint (never the password); status and down manage it', async () => {
    const up = await runCli(['lab', 'up', '--dir', dir, '--port', '0', '--accel', 'tcg', '--json']);
    expect(up.status, up.stderr).toBe(0);
    const ready = resultOf(up.stdout);
    // The one line promises url, user and fingerprint at its top level too (issue 4).
    expect(JSON.parse(up.stdout.trim().split('\n').at(-1)!)).toMatchObject({ url: ready.url, user: 'root', fingerprint: ready.fingerprint });
    expect(ready).toMatchObject({ url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), user: 'root', fingerprint: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/) });
    const password = (await readFile(ready.passwordFile, 'utf8')).trim();
    expect(((await stat(ready.passwordFile)).mode & 0o777).toString(8)).toBe('600');
    expect(up.stdout).not.toContain(password);

    const login = await rpc(ready.url, 'session.login_with_password', ['root', password]);
    expect(login.fingerprint).toBe(ready.fingerprint);
    expect(login.body.result).toMatch(/^OpaqueRef:/);

    const status = await runCli(['lab', 'status', '--dir', dir]);
    expect(status.status).toBe(0);
    expect(status.stdout).toContain(ready.url);
    expect(status.stdout).toContain(`SHA-256 ${ready.fingerprint}`);
    expect(status.stdout).toContain(`password:    in ${ready.passwordFile}`);

    const again = await runCli(['lab', 'up', '--dir', dir, '--port', '0']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('LAB_ALREADY_RUNNING');

    const down = await runCli(['lab', 'down', '--dir', dir]);
    expect(down.status).toBe(0);
    const after = await runCli(['lab', 'status', '--dir', dir]);
    expect(after.status).toBe(1);
    expect(after.stderr).toContain('LAB_NOT_RUNNING');
  }, 120_000);

  test('state survives a restart: the same certificate, password and objects', async () => {
    const first = resultOf((await runCli(['lab', 'up', '--dir', dir, '--port', '0', '--accel', 'tcg', '--json'])).stdout);
    const password = (await readFile(first.passwordFile, 'utf8')).trim();
    const session = (await rpc(first.url, 'session.login_with_password', ['root', password])).body.result;
    const templates = (await rpc(first.url, 'VM.get_by_name_label', [session, 'Debian Bookworm 12'])).body.result as string[];
    const clone = (await rpc(first.url, 'VM.clone', [session, templates[0], 'survivor'])).body.result;
    await runCli(['lab', 'down', '--dir', dir]);
    const second = resultOf((await runCli(['lab', 'up', '--dir', dir, '--port', '0', '--accel', 'tcg', '--json'])).stdout);
    expect(second.fingerprint).toBe(first.fingerprint);
    const session2 = (await rpc(second.url, 'session.login_with_password', ['root', password])).body.result;
    expect((await rpc(second.url, 'VM.get_name_label', [session2, clone])).body.result).toBe('survivor');
    await runCli(['lab', 'down', '--dir', dir]);
  }, 120_000);

  test('--password-file sets the password; a wrong one is refused with SESSION_AUTHENTICATION_FAILED', async () => {
    const other = await mkdtemp(join(tmpdir(), 'ingot-lab-cli-pw-'));
    try {
      const file = join(other, 'pw');
      await writeFile(file, 'correct horse battery\n', { mode: 0o600 });
      const ready = resultOf((await runCli(['lab', 'up', '--dir', join(other, 'state'), '--port', '0', '--accel', 'tcg', '--password-file', file, '--json'])).stdout);
      expect(ready.passwordFile).toBe(file);
      expect((await rpc(ready.url, 'session.login_with_password', ['root', 'correct horse battery'])).body.result).toMatch(/^OpaqueRef:/);
      const refused = await rpc(ready.url, 'session.login_with_password', ['root', 'wrong']);
      expect(refused.body.error).toEqual({ code: 1, message: 'SESSION_AUTHENTICATION_FAILED', data: ['root', 'Authentication failure'] });
      await runCli(['lab', 'down', '--dir', join(other, 'state')]);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  }, 120_000);

  test('a bad subcommand or --accel value is a usage error (exit 2)', { timeout: 60_000 }, async () => {
    expect((await runCli(['lab', 'frob', '--dir', dir])).status).toBe(2);
    const bad = await runCli(['lab', 'serve', '--dir', dir, '--accel', 'xen']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('kvm, tcg, auto');
  });
});
