// The SSH layer against ONE real guest (the debootstrap test image under QEMU, reached through a
// hostfwd port that accepts before the guest is up): readiness with the pinned host key, steps
// as root through sudo, an upload with owner and mode, Ctrl-C stopping a root command, a reboot
// proven by the boot id, a probe, and power-off from inside.
// Cost: ~3 min under TCG on an idle machine (boot ~1 min, reboot ~1 min); measured 8.2 min on a
// busy 2-core machine (ready 151 s, reboot 315 s, poweroff 9 s).
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { IngotEvent } from '../../../src/cli/events.js';
import type { IngotError } from '../../../src/errors/index.js';
import { poweroffGuest, runInGuest, runProbe, runSteps, waitForGuest, type GuestLink, type WaitOptions } from '../../../src/guest/ssh/index.js';
import type { GuestSpec } from '../../../src/lab/hypervisor.js';
import { createQemuHypervisor, type QemuGuest } from '../../../src/lab/qemu/index.js';
import { ensureGuestImage, type GuestImage } from '../../support/guest/image.js';
import { generateSeedKeys, writeNoCloudSeed } from '../../support/guest/seed.js';

const haveQemu = (() => {
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
// Opt-in (INGOT_E2E_SSH=1): it costs 3 (idle) to 10 (busy) minutes and the lab build e2e test
// drives the same code; run it when changing src/guest/ssh. Without QEMU it cannot run at all.
const skip = process.env.INGOT_E2E_SSH !== '1' || !haveQemu;

const MINUTE = 60_000;
let dir: string;
let image: GuestImage;
let guest: QemuGuest | undefined;

beforeAll(async () => {
  if (skip) return;
  image = await ensureGuestImage();
  dir = await mkdtemp(join(tmpdir(), 'ingot-ssh-e2e-'));
}, 20 * MINUTE);

afterAll(async () => {
  await guest?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('the SSH layer on a real guest', () => {
  it('waits, provisions as root, stops a command on Ctrl-C, reboots, probes and powers off', async () => {
    const disk = join(dir, 'disk.raw');
    await execa('cp', ['--sparse=always', image.raw, disk]);
    const keys = generateSeedKeys();
    const seed = await writeNoCloudSeed(dir, { instanceId: randomUUID(), hostname: `ingot-ssh-${randomBytes(3).toString('hex')}`, keys });
    const address = `127.77.202.${2 + (process.pid % 250)}`;
    const hv = await createQemuHypervisor({ accel: 'auto' });
    const spec: GuestSpec = {
      uuid: randomUUID(), name: 'ingot-ssh-e2e', memoryBytes: 1024 * 2 ** 20, vcpus: 2, firmware: 'bios', bootOrder: 'cd',
      disks: [
        { path: disk, format: 'raw', kind: 'disk', readonly: false, bootable: true },
        { path: seed, format: 'raw', kind: 'cdrom', readonly: true, bootable: false },
      ],
      nics: [{ mac: `02:${randomBytes(5).toString('hex').match(/../g)!.join(':')}` }],
      stateDir: join(dir, 'vm'),
      address,
    };
    const consoleLog = join(spec.stateDir, 'console.log');
    onTestFailed(async () => {
      const text = await readFile(consoleLog, 'utf8').catch(() => '(no console log)');
      console.error(`--- guest console (last 40 lines) ---\n${text.trimEnd().split('\n').slice(-40).join('\n')}`);
    });
    const events: IngotEvent[] = [];
    const report = (e: IngotEvent): void => void events.push(e);
    const t0 = Date.now();
    guest = (await hv.start(spec)) as QemuGuest;
    const wait: WaitOptions = {
      host: address, port: 22, username: image.user, privateKey: keys.user.private, hostKey: keys.host.public,
      deadlineMs: 8 * MINUTE, timeouts: { attemptMs: 20_000 }, consoleLogPath: consoleLog, report,
    };
    const link: GuestLink = { session: await waitForGuest(wait), wait };
    const tReady = Date.now();
    const seen = events.flatMap((e) => (e.event === 'log' && e.message.startsWith('ssh: attempt') ? [e.message.replace(/^ssh: attempt \d+ to \S+: SSH to \S+: /, '')] : []));
    console.log(`ready after ${((tReady - t0) / 1000).toFixed(1)} s; failed attempts: ${seen.length}\n  ${[...new Set(seen)].join('\n  ')}`);

    const local = join(dir, 'files');
    await mkdir(join(local, 'conf.d'), { recursive: true });
    await writeFile(join(local, 'conf.d', 'app.conf'), 'answer=42\n');
    const results = await runSteps(link, [
      { kind: 'shell', label: 'whoami', run: 'id -u\necho "$GREETING"', env: { GREETING: 'hello from ingot' } },
      { kind: 'upload', label: 'conf', source: local, destination: '/etc/ingot-test', mode: 0o640, owner: 'root:adm' },
      { kind: 'reboot', label: 'reboot' },
      { kind: 'shell', label: 'after', run: 'stat -c "%U:%G %a" /etc/ingot-test/conf.d/app.conf\ncat /etc/ingot-test/conf.d/app.conf' },
    ], { report });
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    expect(results[0]?.lastLines).toEqual(['0', 'hello from ingot']);
    expect(results[3]?.lastLines).toEqual(['root:adm 640', 'answer=42']);
    console.log(`steps: ${results.map((r) => `${r.label} ${(r.durationMs / 1000).toFixed(1)} s (${r.summary})`).join('; ')}`);

    // Ctrl-C on a root command: the build user's sshd session gets the signal request, and the
    // kill on a second channel reaches sudo's child.
    const controller = new AbortController();
    const aborted = await runSteps(link, [{ kind: 'shell', label: 'long', run: 'echo started\nsleep 301.5\ntouch /var/tmp/not-stopped' }], {
      signal: controller.signal,
      report: (e) => {
        if (e.event === 'log' && e.message === '[long] started') controller.abort();
      },
    }).catch((e: unknown) => e);
    expect((aborted as IngotError).code).toBe('INTERRUPTED');
    // "[s]leep" so the pattern does not match this command line itself.
    const left = await runInGuest(link.session, 'sleep 2; ps -eo pid,user,args | grep "[s]leep 301.5" || echo none', { timeoutMs: MINUTE });
    expect(left.stdout.trim()).toBe('none');

    const probe = await runProbe<{ user: string; sudo: boolean }>(link.session, 'printf \'{"user":"%s","sudo":%s}\' "$(id -un)" "$(sudo -n true && echo true || echo false)"', { timeoutMs: MINUTE });
    expect(probe).toEqual({ user: image.user, sudo: true });

    const tOff = Date.now();
    await poweroffGuest(link.session, { dropTimeoutMs: 2 * MINUTE });
    const reason = await Promise.race([guest.exited, new Promise((r) => setTimeout(() => r('timeout'), 2 * MINUTE))]);
    expect(reason).toBe('poweroff');
    console.log(`poweroff ${((Date.now() - tOff) / 1000).toFixed(1)} s; total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 25 * MINUTE);
});
