// ONE real boot: the debootstrap test image, started through the QEMU hypervisor port with a
// NoCloud seed, reached over SSH on its own loopback address, powered off from inside.
// Cost: ~1.5 min under TCG on an idle machine (up to ~5 on a busy one), plus the image build
// (~3 min idle, ~15 busy) when the cache is cold.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { GuestSpec } from '../../../src/lab/hypervisor.js';
import { createQemuHypervisor, type ExitReason, type QemuGuest } from '../../../src/lab/qemu/index.js';
import { ensureGuestImage, type GuestImage } from '../../support/guest/image.js';
import { generateSeedKeys, writeNoCloudSeed } from '../../support/guest/seed.js';
import { sshExec, sshRetry, type SshTarget } from '../../support/guest/ssh.js';

const haveQemu = (() => {
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
// Only a developer's machine without QEMU may skip; in CI this test must run.
const skip = !haveQemu && !process.env.CI;
if (skip) console.warn('boot.test.ts skipped: qemu-system-x86_64 is missing and CI is unset (apt-get install qemu-system-x86)');

const READY_TIMEOUT_MS = 7 * 60_000;
const POWEROFF_TIMEOUT_MS = 60_000;
/** One SSH command in the guest (a Python tool alone takes ~10 s under TCG on a busy host). */
const CMD_TIMEOUT_MS = 120_000;
const BOOT_TIMEOUT_MS = 60_000 + READY_TIMEOUT_MS + 2 * CMD_TIMEOUT_MS + 30_000 + POWEROFF_TIMEOUT_MS;
const seconds = (ms: number): string => (ms / 1000).toFixed(1);

let dir: string;
let image: GuestImage;
let guest: QemuGuest | undefined;

beforeAll(async () => {
  if (skip) return;
  const t = Date.now();
  image = await ensureGuestImage();
  console.log(`guest image ready in ${seconds(Date.now() - t)} s (built in ${image.info.seconds.total} s): ${image.raw}`);
  dir = await mkdtemp(join(tmpdir(), 'ingot-boot-'));
}, 20 * 60_000);

afterAll(async () => {
  if (skip) return;
  await guest?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('a real Debian guest under the QEMU runner', () => {
  it('boots, runs cloud-init from a NoCloud seed, accepts SSH on its address, and powers off', async () => {
    const t0 = Date.now();
    // The lab stores raw VDIs: copy the image sparsely, as the lab's storage would.
    const disk = join(dir, 'disk.raw');
    await execa('cp', ['--sparse=always', image.raw, disk]);
    const keys = generateSeedKeys();
    const hostname = `ingot-e2e-${randomBytes(3).toString('hex')}`;
    const seed = await writeNoCloudSeed(dir, { instanceId: randomUUID(), hostname, keys });
    const address = `127.77.201.${2 + (process.pid % 250)}`;

    const hv = await createQemuHypervisor({ accel: 'auto' });
    console.log(`accelerator: ${hv.accel} — ${hv.accelReason}`);
    const spec: GuestSpec = {
      uuid: randomUUID(),
      name: hostname,
      memoryBytes: 1024 * 2 ** 20,
      vcpus: 2,
      firmware: 'bios',
      bootOrder: 'cd',
      disks: [
        { path: disk, format: 'raw', kind: 'disk', readonly: false, bootable: true },
        { path: seed, format: 'raw', kind: 'cdrom', readonly: true, bootable: false },
      ],
      nics: [{ mac: `02:${randomBytes(5).toString('hex').match(/../g)!.join(':')}` }],
      stateDir: join(dir, 'vm'),
      address,
    };
    // On failure, the guest's serial console is the one place that says why.
    onTestFailed(async () => {
      const console_ = await readFile(join(spec.stateDir, 'console.log'), 'utf8').catch(() => '(no console log)');
      console.error(`--- guest console (last 60 lines) ---\n${console_.trimEnd().split('\n').slice(-60).join('\n')}`);
    });
    const tStart = Date.now();
    guest = (await hv.start(spec)) as QemuGuest;
    const exits: ExitReason[] = [];
    guest.onExit((r) => exits.push(r));
    // lab-notes §2 measured ~60-75 s to cloud-init done and ~7 s for poweroff on an idle machine;
    // with other tests (and other guests) on the same 2 cores we measured 3.5 min to the agent
    // alone and over 5 min to cloud-init done, so readiness may take 7 minutes before the test
    // gives up.
    const deadline = tStart + READY_TIMEOUT_MS;

    await Promise.race([
      guest.agentReady(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the guest agent did not answer in time')), deadline - Date.now())),
    ]);
    const tAgent = Date.now();
    console.log(`guest agent answered after ${seconds(tAgent - tStart)} s`);

    const target: SshTarget = { host: address, port: 22, username: image.user, privateKey: keys.user.private, hostKey: keys.host.public };
    const status = await sshRetry(target, 'cloud-init status --wait', 20_000, deadline);
    const tCloudInit = Date.now();
    expect(status.stdout).toContain('status: done');

    // One connection for the facts: every command is slow in a TCG guest on a busy host.
    const facts = await sshExec(
      target,
      'hostname; sudo -n true && echo sudo-ok; test -f /var/tmp/ingot-runcmd-done && echo runcmd-ran; cat /run/cloud-init/result.json',
      CMD_TIMEOUT_MS,
    );
    expect(facts.code).toBe(0);
    const [name, sudo, runcmd, ...json] = facts.stdout.trim().split('\n');
    expect([name, sudo, runcmd]).toEqual([hostname, 'sudo-ok', 'runcmd-ran']);
    // cloud-init's own summary: the NoCloud seed on the CD was the datasource, with no errors.
    const result = JSON.parse(json.join('\n')) as { v1: { datasource: string; errors: unknown[] } };
    expect(result.v1.datasource).toMatch(/^DataSourceNoCloud \[seed=\/dev\/sr0\]/);
    expect(result.v1.errors).toEqual([]);

    const profile = await sshExec(target, 'systemd-analyze; systemd-analyze blame | head -n 8', CMD_TIMEOUT_MS).catch((e: Error) => ({ stdout: e.message }));
    console.log(`guest boot profile:\n${profile.stdout.trimEnd()}`);

    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${guest.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

    // The session ends when the guest goes down; the exit status of poweroff is not the point.
    const tPoweroff = Date.now();
    await sshExec(target, 'sudo -n systemctl poweroff', 30_000).catch(() => undefined);
    const reason = await Promise.race([guest.exited, new Promise((r) => setTimeout(() => r('timeout'), POWEROFF_TIMEOUT_MS))]);
    const tDown = Date.now();
    expect(reason).toBe('poweroff');
    expect(exits).toEqual(['poweroff']);

    console.log(
      [
        `boot timings (${hv.accel}): start ${seconds(tStart - t0)} s prep,`,
        `agent ${seconds(tAgent - tStart)} s,`,
        `cloud-init done + SSH ${seconds(tCloudInit - tStart)} s (${status.attempts} attempts),`,
        `poweroff ${seconds(tDown - tPoweroff)} s,`,
        `qemu RSS ${(rss / 2 ** 20).toFixed(0)} MiB`,
      ].join(' '),
    );
  }, BOOT_TIMEOUT_MS);
});
