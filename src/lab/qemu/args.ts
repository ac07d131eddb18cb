// The qemu-system-x86_64 command line for one GuestSpec: a pure function, so every choice below
// is unit-tested without starting QEMU.
import { join } from 'node:path';
import { IngotError } from '../../errors/index.js';
import type { GuestSpec } from '../hypervisor.js';
import type { OvmfPaths } from './firmware.js';

/** Where a VM's runtime files live inside its stateDir. */
export interface StatePaths {
  qmp: string;
  qga: string;
  console: string;
  log: string;
  pid: string;
}

export function statePaths(stateDir: string): StatePaths {
  return {
    qmp: join(stateDir, 'qmp.sock'),
    qga: join(stateDir, 'qga.sock'),
    console: join(stateDir, 'console.log'),
    log: join(stateDir, 'qemu.log'),
    pid: join(stateDir, 'qemu.pid'),
  };
}

export interface ArgsOptions {
  accel: 'kvm' | 'tcg';
  paths: StatePaths;
  /** Required when spec.firmware is 'uefi'; `vars` is the VM's own copy. */
  ovmf?: OvmfPaths;
}

// Unix socket paths are limited to 108 bytes including the NUL (sun_path, unix(7)).
const SUN_PATH_MAX = 107;

/** QEMU option values are comma-separated; a literal comma is written twice. */
export function optValue(value: string): string {
  return value.replaceAll(',', ',,');
}

// xapi.md §8 HVM_boot_params: "c" disk, "d" CD, "n" network; "cd" when absent or empty.
const BOOT_LETTERS = new Set(['c', 'd', 'n']);
const DEFAULT_BOOT_ORDER = 'cd';

/** bootindex per device, from the XAPI boot order: devices of the first letter first. */
function bootIndexes(spec: GuestSpec): { disks: Map<number, number>; nics: Map<number, number> } {
  const order = spec.bootOrder === '' ? DEFAULT_BOOT_ORDER : spec.bootOrder.toLowerCase();
  for (const letter of order) {
    if (!BOOT_LETTERS.has(letter)) {
      throw new IngotError('GUEST_SPEC_INVALID', `VM ${spec.name}: boot order "${spec.bootOrder}" has the device letter "${letter}".`, {
        hint: 'HVM_boot_params.order may contain only c (disk), d (CD) and n (network), e.g. "cd".',
        details: { uuid: spec.uuid, bootOrder: spec.bootOrder },
      });
    }
  }
  const disks = new Map<number, number>();
  const nics = new Map<number, number>();
  let next = 1;
  for (const letter of new Set(order)) {
    if (letter === 'n') spec.nics.forEach((_, i) => nics.set(i, next++));
    const kind = letter === 'c' ? 'disk' : letter === 'd' ? 'cdrom' : undefined;
    if (kind === undefined) continue;
    // Among disks, the VBDs marked bootable come first (VBD.bootable).
    const candidates = spec.disks.map((d, i) => ({ d, i })).filter(({ d }) => d.kind === kind);
    for (const { i } of [...candidates.filter(({ d }) => d.bootable), ...candidates.filter(({ d }) => !d.bootable)]) {
      disks.set(i, next++);
    }
  }
  return { disks, nics };
}

function checkSpec(spec: GuestSpec, opts: ArgsOptions): void {
  const fail = (what: string, hint: string): never => {
    throw new IngotError('GUEST_SPEC_INVALID', `VM ${spec.name}: ${what}.`, { hint, details: { uuid: spec.uuid } });
  };
  if (!Number.isInteger(spec.vcpus) || spec.vcpus < 1) fail(`${spec.vcpus} vCPUs`, 'VCPUs_at_startup must be a positive integer.');
  if (!(spec.memoryBytes >= 16 * 2 ** 20)) fail(`${spec.memoryBytes} bytes of memory`, 'memory_static_max must be at least 16 MiB.');
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(spec.address)) fail(`address "${spec.address}" is not a 127.0.0.0/8 address`, 'Guests are reachable on loopback only (lab-notes §6).');
  if (spec.firmware === 'uefi' && opts.ovmf === undefined) fail('UEFI firmware without an OVMF image', 'Install the Debian package ovmf.');
  for (const nic of spec.nics) {
    if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(nic.mac)) fail(`MAC "${nic.mac}" is not six hex pairs`, 'Give the VIF a MAC such as 02:00:00:12:34:56.');
  }
  for (const path of [opts.paths.qmp, opts.paths.qga]) {
    if (Buffer.byteLength(path) > SUN_PATH_MAX) {
      fail(`the socket path ${path} is longer than ${SUN_PATH_MAX} bytes`, 'Use a shorter lab state directory (--dir).');
    }
  }
}

/** The full argument vector (without the binary). */
export function buildQemuArgs(spec: GuestSpec, opts: ArgsOptions): string[] {
  checkSpec(spec, opts);
  const { disks: diskBoot, nics: nicBoot } = bootIndexes(spec);
  const uefi = spec.firmware === 'uefi';
  const args = [
    // No implicit NIC, CD drive, serial or monitor: every device below is one the spec asked for.
    '-nodefaults',
    '-name', optValue(spec.name),
    '-uuid', spec.uuid,
    // pc (i440fx) is what SeaBIOS and a stock Debian boot from; UEFI needs q35 for OVMF's SMM-less
    // build to see its pflash and AHCI for the CD.
    '-machine', uefi ? 'q35' : 'pc',
    '-accel', opts.accel,
    // TCG: the default qemu64 model is what lab-notes §2 verified; KVM: the host's own CPU.
    ...(opts.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-m', `${Math.ceil(spec.memoryBytes / 2 ** 20)}M`,
    '-smp', String(spec.vcpus),
    // No display device: the lab offers no graphical console (the serial console goes to a
    // file), and without one the guest loads no DRM/framebuffer drivers, which under TCG cost
    // seconds of boot for nothing.
    '-vga', 'none',
    '-display', 'none',
  ];
  if (uefi && opts.ovmf) {
    args.push(
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${optValue(opts.ovmf.code)}`,
      '-drive', `if=pflash,format=raw,unit=1,file=${optValue(opts.ovmf.vars)}`,
    );
  }
  spec.disks.forEach((disk, i) => {
    const boot = diskBoot.get(i);
    const bootindex = boot === undefined ? '' : `,bootindex=${boot}`;
    if (disk.kind === 'cdrom') {
      // CDs are emulated IDE/ATAPI, as on a Xen HVM guest; always read-only.
      args.push('-drive', `if=none,id=cd${i},file=${optValue(disk.path)},format=raw,media=cdrom,readonly=on`);
      args.push('-device', `ide-cd,drive=cd${i}${bootindex}`);
    } else {
      // Disks are virtio-blk: every Debian initramfs has the driver, SeaBIOS and OVMF boot from
      // it, and it is far faster than emulated IDE under TCG. A Xen HVM guest sees IDE only
      // until its PV driver takes over (xvda); images mount by UUID, so the name does not matter.
      args.push('-drive', `if=none,id=disk${i},file=${optValue(disk.path)},format=raw,cache=writeback,discard=unmap${disk.readonly ? ',readonly=on' : ''}`);
      args.push('-device', `virtio-blk-pci,drive=disk${i}${bootindex}`);
    }
  });
  spec.nics.forEach((nic, i) => {
    // User networking, restricted: the guest reaches nothing outside; only its sshd is forwarded
    // to the VM's own loopback address (lab-notes §4, §6). Only the first NIC carries it.
    const fwd = i === 0 ? `,hostfwd=tcp:${spec.address}:22-:22` : '';
    args.push('-netdev', `user,id=net${i},restrict=on${fwd}`);
    const boot = nicBoot.get(i);
    args.push('-device', `virtio-net-pci,netdev=net${i},mac=${nic.mac}${boot === undefined ? '' : `,bootindex=${boot}`}`);
  });
  args.push(
    '-qmp', `unix:${optValue(opts.paths.qmp)},server=on,wait=off`,
    '-chardev', `socket,id=qga0,path=${optValue(opts.paths.qga)},server=on,wait=off`,
    '-device', 'virtio-serial-pci',
    '-device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0',
    '-chardev', `file,id=console0,path=${optValue(opts.paths.console)}`,
    '-serial', 'chardev:console0',
    '-pidfile', opts.paths.pid,
  );
  return args;
}
