// Provisioning steps against the in-process guest: streamed output, StepResult, failures,
// timeouts that really stop the command, uploads checked on disk.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngotEvent } from '../../../src/cli/events.js';
import { IngotError } from '../../../src/errors/index.js';
import { runSteps, waitForGuest, type GuestLink, type ProvisionStep, type StepResult, type WaitOptions } from '../../../src/guest/ssh/index.js';
import { processesMatching, startSshFixture, type SshFixture } from '../../support/ssh/server.js';

let guest: SshFixture;
let link: GuestLink;
let local: string;

beforeAll(async () => {
  guest = await startSshFixture();
  local = await mkdtemp(join(tmpdir(), 'ingot-steps-local-'));
  const wait: WaitOptions = { host: guest.host, port: guest.port, username: guest.username, privateKey: guest.clientKey.private, hostKey: guest.hostKey.public, deadlineMs: 30_000 };
  link = { session: await waitForGuest(wait), wait };
});
afterAll(async () => {
  link?.session.close(); // undefined when beforeAll failed: still stop the fixture below
  await guest?.close();
  await rm(local, { recursive: true, force: true });
});

async function run(steps: ProvisionStep[]): Promise<{ events: IngotEvent[]; results: StepResult[]; error: unknown }> {
  const events: IngotEvent[] = [];
  const results: StepResult[] = [];
  const error = await runSteps(link, steps, { report: (e) => events.push(e), onResult: (r) => results.push(r), keepLines: 3 }).then(() => undefined, (e: unknown) => e);
  return { events, results, error };
}

function logLines(events: IngotEvent[]): string[] {
  return events.flatMap((e) => (e.event === 'log' && e.level === 'info' ? [e.message] : []));
}

describe('shell steps', () => {
  it('streams stdout and stderr one line at a time, prefixed with the step label, and records the result', async () => {
    const { events, results, error } = await run([
      { kind: 'shell', label: 'greet', env: { WHO: "it's me" }, run: 'echo "hello $WHO"\necho oops >&2\nprintf "a\\nb\\nc\\nno newline"' },
    ]);
    expect(error).toBeUndefined();
    // stdout and stderr are separate streams: their relative order is not defined, each one's is.
    const lines = logLines(events);
    expect(lines).toHaveLength(6);
    expect(lines).toContain('[greet] oops');
    expect(lines.filter((l) => l !== '[greet] oops')).toEqual(["[greet] hello it's me", '[greet] a', '[greet] b', '[greet] c', '[greet] no newline']);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ index: 0, label: 'greet', kind: 'shell', ok: true, exitCode: 0, summary: 'exit 0' });
    expect(results[0]?.lastLines.filter((l) => l !== 'oops').slice(-2)).toEqual(['c', 'no newline']);
    expect(results[0]?.durationMs).toBeGreaterThan(0);
  });

  it('runs the script with sh -eu, so the first failing command fails the step, and shows the exit code and last lines', async () => {
    const { results, error } = await run([
      { kind: 'shell', run: 'echo one' },
      { kind: 'shell', label: 'install', run: 'echo fetching\necho "E: Unable to locate package nginxx" >&2\nfalse\necho never' },
      { kind: 'shell', run: 'echo not reached' },
    ]);
    expect(error).toBeInstanceOf(IngotError);
    const err = error as IngotError;
    expect(err.code).toBe('STEP_FAILED');
    expect(err.message).toMatch(/^Step 2 "install" \(shell\) failed with exit status 1 after [\d.]+ s\. Last output:\n {2}\| fetching\n {2}\| E: Unable to locate package nginxx$/);
    expect(results.map((r) => [r.label, r.ok, r.exitCode])).toEqual([['shell 1', true, 0], ['install', false, 1]]);
    expect(guest.commands.some((c) => c.includes('not reached'))).toBe(false);
  });

  it('a step that outlives its timeout is killed in the guest and reported as timed out', async () => {
    const marker = join(guest.root, 'finished');
    const started = Date.now();
    const { error, results } = await run([{ kind: 'shell', label: 'slow', timeoutSec: 1, run: `echo started\nsleep 37.5\ntouch ${marker}` }]);
    expect(Date.now() - started).toBeLessThan(5_000);
    const err = error as IngotError;
    expect(err.code).toBe('STEP_TIMEOUT');
    expect(err.message).toMatch(/^Step 1 "slow" \(shell\) timed out after 1 s: the guest stopped it/);
    expect(err.message).toContain('| started');
    expect(results[0]).toMatchObject({ ok: false, summary: 'timed out after 1 s' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(existsSync(marker)).toBe(false);
    expect(processesMatching('sleep 37.5')).toEqual([]);
  });

  it('refuses an environment variable name the shell cannot take', async () => {
    const { error } = await run([{ kind: 'shell', env: { 'BAD-NAME': 'x' }, run: 'true' }]);
    expect((error as IngotError).code).toBe('STEP_INVALID');
    expect((error as IngotError).message).toContain('"BAD-NAME"');
  });
});

describe('script steps', () => {
  it('uploads a local script and runs it with its own interpreter line and arguments', async () => {
    const path = join(local, 'setup.sh');
    await writeFile(path, '#!/bin/sh\necho "args: $1 $2"\necho "shell: $0" | sed "s#/tmp/ingot-step-.*#TEMP#"\n');
    const { events, error } = await run([{ kind: 'script', label: 'setup', path, args: ['x y', 'z'] }]);
    expect(error).toBeUndefined();
    expect(logLines(events)).toEqual(['[setup] args: x y z', '[setup] shell: TEMP']);
  });
});

describe('upload steps', () => {
  it('uploads a directory tree with the given modes, creating the destination, and sets the owner', async () => {
    const tree = join(local, 'site');
    await mkdir(join(tree, 'conf', 'deep'), { recursive: true });
    await writeFile(join(tree, 'index.html'), '<h1>hi</h1>\n');
    await writeFile(join(tree, 'conf', 'deep', 'app.conf'), 'port=80\n');
    const dest = join(guest.root, 'srv', 'www', 'site');
    const owner = process.getuid?.() === 0 ? '1234:1234' : undefined;
    const { results, error } = await run([{ kind: 'upload', source: tree, destination: dest, mode: 0o640, dirMode: 0o750, ...(owner ? { owner } : { sudo: false }) }]);
    expect(error).toBeUndefined();
    expect(results[0]).toMatchObject({ kind: 'upload', ok: true, summary: `2 file(s) to ${dest}` });
    expect(await readFile(join(dest, 'conf', 'deep', 'app.conf'), 'utf8')).toBe('port=80\n');
    expect((await stat(join(dest, 'index.html'))).mode & 0o7777).toBe(0o640);
    expect((await stat(join(dest, 'conf', 'deep', 'app.conf'))).mode & 0o7777).toBe(0o640);
    expect((await stat(join(dest, 'conf', 'deep'))).mode & 0o7777).toBe(0o750);
    if (owner) expect((await stat(join(dest, 'conf', 'deep', 'app.conf'))).uid).toBe(1234);
    // The staging directory is gone.
    expect(guest.commands.filter((c) => c.includes('ingot-upload')).every((c) => /rm -rf '\/tmp\/ingot-upload-/.test(c))).toBe(true);
  });

  it('uploads a single file to a path whose directories do not exist yet, keeping the local mode', async () => {
    const file = join(local, 'tool');
    await writeFile(file, '#!/bin/sh\n');
    await import('node:fs/promises').then((fs) => fs.chmod(file, 0o755));
    const dest = join(guest.root, 'usr', 'local', 'bin', 'tool');
    const { error } = await run([{ kind: 'upload', source: file, destination: dest, sudo: false }]);
    expect(error).toBeUndefined();
    expect((await stat(dest)).mode & 0o7777).toBe(0o755);
  });

  it('stops a transfer that outlives its timeout, and Ctrl-C stops one too', async () => {
    const big = join(local, 'big.bin');
    await writeFile(big, Buffer.alloc(64 * 1024 * 1024, 7));
    const started = Date.now();
    const { error } = await run([{ kind: 'upload', label: 'big', source: big, destination: join(guest.root, 'big.bin'), timeoutSec: 0.2 }]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((error as IngotError).code).toBe('STEP_TIMEOUT');
    expect((error as IngotError).message).toMatch(/^Step 1 "big" \(upload\) timed out after 0\.2 s while uploading .*big\.bin; the transfer was stopped\.$/);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const aborted = await runSteps(link, [{ kind: 'upload', source: big, destination: join(guest.root, 'big2.bin') }], { signal: controller.signal }).catch((e: unknown) => e);
    expect((aborted as IngotError).code).toBe('INTERRUPTED');
  });

  it('refuses a relative destination', async () => {
    const { error } = await run([{ kind: 'upload', source: local, destination: 'etc/app' }]);
    expect((error as IngotError).code).toBe('STEP_INVALID');
  });
});

describe('Ctrl-C', () => {
  it.each([
    ['delivers signal requests to the process group', false],
    ['refuses signal requests (as sshd does for root logins)', true],
  ])('an aborted step stops the command in the guest when the server %s', async (_how, refuse) => {
    guest.refuseSignals(refuse);
    const marker = join(guest.root, 'aborted-finished');
    const controller = new AbortController();
    const started = Date.now();
    const error = await runSteps(link, [{ kind: 'shell', label: 'long', run: `echo started\nsleep 38.5\ntouch ${marker}` }], {
      signal: controller.signal,
      report: (e) => {
        if (e.event === 'log' && e.message === '[long] started') controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect((error as IngotError).code).toBe('INTERRUPTED');
    await new Promise((resolve) => setTimeout(resolve, 500));
    guest.refuseSignals(false);
    expect(processesMatching('sleep 38.5')).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });
});
