// Reboot-and-wait, the helpers later stages use (probe JSON, read a file, power off), and the
// build key never reaching output or errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngotEvent } from '../../../src/cli/events.js';
import { Output } from '../../../src/cli/output.js';
import { presentError } from '../../../src/cli/present.js';
import { IngotError } from '../../../src/errors/index.js';
import { Redactor } from '../../../src/redact.js';
import { poweroffGuest, readFileFromGuest, runProbe, runSteps, waitForGuest, type GuestLink, type StepResult, type WaitOptions } from '../../../src/guest/ssh/index.js';
import { startSshFixture, type SshFixture } from '../../support/ssh/server.js';

let guest: SshFixture;
let link: GuestLink;

beforeAll(async () => {
  guest = await startSshFixture({ rebootDownMs: 500 });
  const wait: WaitOptions = {
    host: guest.host, port: guest.port, username: guest.username, privateKey: guest.clientKey.private, hostKey: guest.hostKey.public,
    deadlineMs: 30_000, backoff: { initialMs: 100, maxMs: 200 }, timeouts: { attemptMs: 3_000, keepaliveMs: 1_000 },
  };
  link = { session: await waitForGuest(wait), wait };
});
afterAll(async () => {
  link?.session.close(); // undefined when beforeAll failed: still stop the fixture below
  await guest?.close();
});

describe('reboot step', () => {
  it('reboots, sees the connection drop, waits for the guest and proves the boot id changed', async () => {
    const before = await guest.bootId();
    const first = link.session;
    const events: IngotEvent[] = [];
    const results = await runSteps(link, [{ kind: 'shell', run: 'echo before' }, { kind: 'reboot' }, { kind: 'shell', label: 'after', run: `cat ${guest.root}/boot_id` }], { report: (e) => events.push(e) });
    const after = await guest.bootId();
    expect(after).not.toBe(before);
    expect(first.isOpen()).toBe(false);
    expect(link.session).not.toBe(first);
    expect(results[1]).toMatchObject({ kind: 'reboot', ok: true, summary: `boot id ${before} → ${after}` });
    // The step after the reboot ran on the new boot.
    expect(results[2]?.lastLines).toEqual([after]);
    expect(events.some((e) => e.event === 'log' && e.message === '[reboot 2] connection dropped; waiting for the guest to come back')).toBe(true);
  });

  it('fails when the guest comes back with the same boot id (it did not reboot)', async () => {
    guest.fakeReboots(1);
    const before = await guest.bootId();
    const error = (await runSteps(link, [{ kind: 'reboot', label: 'kernel' }]).catch((e: unknown) => e)) as IngotError;
    expect(error.code).toBe('GUEST_REBOOT_FAILED');
    expect(error.message).toBe(`Step 1 "kernel" (reboot): the guest answered again but its boot id is unchanged (${before}), so it did not reboot.`);
  });
});

describe('helpers', () => {
  it('runs a probe script and returns its JSON; reads a file', async () => {
    const report = await runProbe<{ ok: boolean; user: string }>(link.session, 'printf \'{"ok": true, "user": "%s"}\' "$(id -un)"\necho diagnostics >&2\n');
    expect(report.ok).toBe(true);
    expect(report.user.length).toBeGreaterThan(0);
    expect((await readFileFromGuest(link.session, `${guest.root}/boot_id`)).trim()).toBe(await guest.bootId());
  });

  it('says what the probe printed when it is not JSON', async () => {
    const error = (await runProbe(link.session, 'echo "not json"').catch((e: unknown) => e)) as IngotError;
    expect(error.code).toBe('GUEST_COMMAND_FAILED');
    expect(error.message).toContain('not json');
  });
});

describe('the build key', () => {
  it('never reaches the rendered output or a rendered error, even line by line', async () => {
    const redactor = new Redactor();
    const written: string[] = [];
    const streams = { stdout: { write: (s: string) => written.push(s) }, stderr: { write: (s: string) => written.push(s) } };
    const out = new Output({ mode: 'plain', verbosity: 'verbose', redactor, streams });
    const key = guest.clientKey.private;
    const session = await waitForGuest({ ...link.wait, redactor, report: out.report });
    const keyFile = `${guest.root}/leaked-key`;
    await import('node:fs/promises').then((fs) => fs.writeFile(keyFile, key));
    const results: StepResult[] = [];
    const error = await runSteps({ session, wait: link.wait }, [{ kind: 'shell', label: 'leak', run: `cat ${keyFile}\nexit 3` }], { report: out.report, onResult: (r) => results.push(r) }).catch((e: unknown) => e);
    session.close();
    expect((error as IngotError).code).toBe('STEP_FAILED');
    presentError(error, { out, streams, redactor, verbose: true });
    out.emit({ event: 'result', command: 'build', ok: false, data: { steps: results } });
    const text = written.join('');
    expect(text).toContain('[leak] [redacted]');
    expect(text).toContain('error[STEP_FAILED]: Step 1 "leak" (shell) failed with exit status 3');
    for (const line of key.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'))) expect(text).not.toContain(line);
  });
});

describe('poweroffGuest', () => {
  it('treats the dropped connection as success, and the guest is gone afterwards', async () => {
    await poweroffGuest(link.session, { dropTimeoutMs: 10_000 });
    expect(link.session.isOpen()).toBe(false);
    const error = (await waitForGuest({ ...link.wait, deadlineMs: 800 }).catch((e: unknown) => e)) as IngotError;
    expect(error.code).toBe('GUEST_UNREACHABLE');
  });

  it('a step or command on the dead connection fails as an ingot error that says the connection is gone', async () => {
    const step = (await runSteps(link, [{ kind: 'shell', run: 'true' }]).catch((e: unknown) => e)) as IngotError;
    expect(step).toBeInstanceOf(IngotError);
    expect(step.code).toBe('GUEST_COMMAND_FAILED');
    expect(step.hint).toContain('connection to the guest is gone');
    const probe = (await runProbe(link.session, 'echo {}').catch((e: unknown) => e)) as IngotError;
    expect(probe).toBeInstanceOf(IngotError);
    expect(probe.hint).toContain('connection to the guest is gone');
  });
});
