// The QEMU runner against the real qemu-system-x86_64, with blank disks (no OS): process
// lifecycle, QMP, exit reasons, start errors. Each QEMU here lives about a second.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestSpec, Hypervisor } from '../../../src/lab/hypervisor.js';
import { createQemuHypervisor, type QemuGuest } from '../../../src/lab/qemu/index.js';

const haveQemu = (() => {
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
// In CI QEMU must be there (scripts/packages.sh installs it): never skip silently there.
const skip = !haveQemu && !process.env.CI;
if (skip) console.warn('runner.test.ts skipped: qemu-system-x86_64 is missing (apt-get install qemu-system-x86)');

let dir: string;
let hv: Hypervisor;
const started: QemuGuest[] = [];
let n = 0;

beforeAll(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'ingot-qemu-'));
  hv = await createQemuHypervisor({ accel: 'tcg' });
});

afterAll(async () => {
  if (skip) return;
  await Promise.all(started.map((g) => g.kill()));
  await rm(dir, { recursive: true, force: true });
});

async function blankSpec(address: string, disks?: GuestSpec['disks']): Promise<GuestSpec> {
  const i = ++n;
  const disk = join(dir, `blank${i}.raw`);
  await writeFile(disk, '');
  await truncate(disk, 16 * 2 ** 20);
  return {
    uuid: `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`,
    name: `blank-${i}`,
    memoryBytes: 64 * 2 ** 20,
    vcpus: 1,
    firmware: 'bios',
    bootOrder: 'c',
    disks: disks ?? [{ path: disk, format: 'raw', kind: 'disk', readonly: false, bootable: true }],
    nics: [{ mac: `02:00:00:00:00:${String(i).padStart(2, '0')}` }],
    stateDir: join(dir, `vm${i}`),
    address,
  };
}

async function start(spec: GuestSpec, signal?: AbortSignal): Promise<QemuGuest> {
  const guest = (await hv.start(spec, signal)) as QemuGuest;
  started.push(guest);
  return guest;
}

function tcpConnects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 2000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A boot sector that powers the machine off through ACPI at once: on QEMU's pc machine SeaBIOS
 * puts the PIIX4 PM registers at 0x600, and writing SLP_EN with SLP_TYP 0 (the DSDT's _S5) to
 * PM1a_CNT (0x604) is a guest-initiated shutdown (QEMU hw/acpi/core.c acpi_pm1_cnt_write).
 */
const POWEROFF_NOW = [0xba, 0x04, 0x06, 0xb8, 0x00, 0x20, 0xef, 0xf4, 0xeb, 0xfd]; // mov dx,0x604; mov ax,0x2000; out dx,ax; hlt; jmp hlt
/** Enables the power button event (PM1a_EN 0x602 bit 8), polls its status (PM1a_STS 0x600), then powers off as above. */
const POWEROFF_ON_BUTTON = [
  0xba, 0x02, 0x06, 0xb8, 0x00, 0x01, 0xef, // mov dx,0x602; mov ax,0x100; out dx,ax
  0xba, 0x00, 0x06, 0xed, 0xa9, 0x00, 0x01, 0x74, 0xfa, // mov dx,0x600; l: in ax,dx; test ax,0x100; jz l
  ...POWEROFF_NOW,
];

async function bootSectorDisk(path: string, code: number[]): Promise<void> {
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector);
  sector.writeUInt16LE(0xaa55, 510);
  await writeFile(path, sector);
  await truncate(path, 2 ** 20);
}

describe.skipIf(skip)('QEMU runner (real qemu-system-x86_64, no guest OS)', () => {
  it('auto never picks KVM on a kvm_pvm host', async () => {
    const auto = await createQemuHypervisor({ accel: 'auto' });
    if (existsSync('/sys/module/kvm_pvm')) {
      expect(auto.accel).toBe('tcg');
      expect(auto.accelReason).toContain('kvm_pvm');
    }
    expect(auto.accelReason.length).toBeGreaterThan(10);
  });

  it('a missing qemu-system-x86_64 is TOOL_MISSING naming the Debian package', async () => {
    await expect(createQemuHypervisor({ accel: 'tcg', path: dir })).rejects.toMatchObject({
      code: 'TOOL_MISSING',
      hint: expect.stringContaining('qemu-system-x86'),
    });
  });

  it('starts, forwards SSH on the VM\'s own loopback address, and kill() reports "killed"', async () => {
    const guest = await start(await blankSpec('127.77.200.1'));
    expect(alive(guest.pid)).toBe(true);
    expect(await tcpConnects('127.77.200.1', 22)).toBe(true);
    const reasons: string[] = [];
    guest.onExit((r) => reasons.push(r));
    await guest.kill();
    expect(reasons).toEqual(['killed']);
    expect(alive(guest.pid)).toBe(false);
    expect(await tcpConnects('127.77.200.1', 22)).toBe(false);
  });

  it('a guest that powers itself off is reported as "poweroff" and QEMU exits', async () => {
    const disk = join(dir, 'poweroff.raw');
    await bootSectorDisk(disk, POWEROFF_NOW);
    const guest = await start(await blankSpec('127.77.200.6', [{ path: disk, format: 'raw', kind: 'disk', readonly: false, bootable: true }]));
    const reasons: string[] = [];
    guest.onExit((r) => reasons.push(r));
    expect(await guest.exited).toBe('poweroff');
    expect(reasons).toEqual(['poweroff']);
    expect(alive(guest.pid)).toBe(false);
  });

  it('acpiShutdown() presses the power button; a guest that obeys it is reported as "poweroff"', async () => {
    const disk = join(dir, 'button.raw');
    await bootSectorDisk(disk, POWEROFF_ON_BUTTON);
    const guest = await start(await blankSpec('127.77.200.7', [{ path: disk, format: 'raw', kind: 'disk', readonly: false, bootable: true }]));
    // A press before the boot sector has enabled the event is lost, as on real hardware: press
    // again until the guest reacts.
    let reason: string | undefined;
    void guest.exited.then((r) => (reason = r));
    for (let i = 0; i < 40 && reason === undefined; i++) {
      await guest.acpiShutdown().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await guest.exited).toBe('poweroff');
    await expect(guest.acpiShutdown()).rejects.toMatchObject({ code: 'GUEST_DIED' });
  });

  it.skipIf(!existsSync('/usr/share/OVMF') && !process.env.CI)('a UEFI VM runs OVMF on q35 and tries the CD before the disk for boot order "dc"', async () => {
    const base = await blankSpec('127.77.200.8');
    const cd = join(dir, 'empty.iso');
    await writeFile(cd, Buffer.alloc(2 ** 20));
    const spec: GuestSpec = { ...base, firmware: 'uefi', bootOrder: 'dc', disks: [...base.disks, { path: cd, format: 'raw', kind: 'cdrom', readonly: true, bootable: false }] };
    const guest = await start(spec);
    // OVMF's boot manager logs each boot option it tries on the serial console, in boot order.
    let console_ = '';
    for (let i = 0; i < 120 && !console_.includes('Misc Device'); i++) {
      await new Promise((r) => setTimeout(r, 500));
      console_ = await readFile(join(spec.stateDir, 'console.log'), 'utf8').catch(() => '');
    }
    const tries = [...console_.matchAll(/BdsDxe: failed to load Boot\d+ "([^"]+)"/g)].map((m) => m[1]);
    expect(tries.slice(0, 2)).toEqual([expect.stringContaining('DVD-ROM'), 'UEFI Misc Device']);
    expect(existsSync(join(spec.stateDir, 'OVMF_VARS.fd'))).toBe(true);
    await guest.kill();
  }, 90_000);

  it('QEMU dying on its own is a "crash", and agentReady() rejects with GUEST_DIED', async () => {
    const guest = await start(await blankSpec('127.77.200.2'));
    const ready = guest.agentReady();
    process.kill(guest.pid!, 'SIGKILL');
    await expect(ready).rejects.toMatchObject({ code: 'GUEST_DIED' });
    expect(await guest.exited).toBe('crash');
    // A listener added after the exit still hears it.
    const late: string[] = [];
    guest.onExit((r) => late.push(r));
    expect(late).toEqual(['crash']);
  });

  it('aborting the start signal stops QEMU and reports "killed"', async () => {
    const controller = new AbortController();
    const guest = await start(await blankSpec('127.77.200.3'), controller.signal);
    controller.abort();
    expect(await guest.exited).toBe('killed');
    expect(alive(guest.pid)).toBe(false);
  });

  it('a disk that does not exist fails the start with QEMU\'s own message', async () => {
    const spec = await blankSpec('127.77.200.4', [{ path: join(dir, 'nope.raw'), format: 'raw', kind: 'disk', readonly: false, bootable: true }]);
    await expect(hv.start(spec)).rejects.toMatchObject({ code: 'QEMU_START_FAILED', message: expect.stringContaining('nope.raw') });
  });

  it('an address whose port 22 is taken fails the start with a hint about the forward', async () => {
    const first = await start(await blankSpec('127.77.200.5'));
    await expect(hv.start(await blankSpec('127.77.200.5'))).rejects.toMatchObject({
      code: 'QEMU_START_FAILED',
      hint: expect.stringContaining('127.77.200.5:22'),
    });
    await first.kill();
  });
});
