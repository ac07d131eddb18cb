// The QEMU command line built from a GuestSpec: devices, boot order, networking, sockets.
import { describe, expect, it } from 'vitest';
import { buildQemuArgs, statePaths } from '../../../src/lab/qemu/index.js';
import type { GuestSpec } from '../../../src/lab/hypervisor.js';

function spec(overrides: Partial<GuestSpec> = {}): GuestSpec {
  return {
    uuid: '6f1c2a3e-1d2b-4c5d-8e9f-0a1b2c3d4e5f',
    name: 'debian, test',
    memoryBytes: 1024 * 2 ** 20,
    vcpus: 2,
    firmware: 'bios',
    bootOrder: 'cd',
    disks: [
      { path: '/srv/sr/disk.raw', format: 'raw', kind: 'disk', readonly: false, bootable: true },
      { path: '/srv/iso/seed.iso', format: 'raw', kind: 'cdrom', readonly: true, bootable: false },
    ],
    nics: [{ mac: '02:00:00:aa:bb:01' }],
    stateDir: '/run/lab/vm1',
    address: '127.77.0.5',
    ...overrides,
  };
}

const paths = statePaths('/run/lab/vm1');

/** The value following each occurrence of `flag`. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
}

describe('QEMU arguments', () => {
  it('a BIOS guest: pc machine, the accelerator, memory in MiB, vCPUs, no implicit devices', () => {
    const args = buildQemuArgs(spec(), { accel: 'tcg', paths });
    expect(args[0]).toBe('-nodefaults');
    expect(values(args, '-machine')).toEqual(['pc']);
    expect(values(args, '-accel')).toEqual(['tcg']);
    expect(values(args, '-m')).toEqual(['1024M']);
    expect(values(args, '-smp')).toEqual(['2']);
    expect(values(args, '-uuid')).toEqual(['6f1c2a3e-1d2b-4c5d-8e9f-0a1b2c3d4e5f']);
    expect(values(args, '-name')).toEqual(['debian,, test']);
    expect(args).not.toContain('-cpu');
    expect(values(args, '-vga')).toEqual(['none']);
    expect(values(args, '-display')).toEqual(['none']);
  });

  it('KVM uses the host CPU model', () => {
    expect(values(buildQemuArgs(spec(), { accel: 'kvm', paths }), '-cpu')).toEqual(['host']);
  });

  it('disks are virtio-blk, CDs are read-only IDE, boot order "cd" puts the disk first', () => {
    const args = buildQemuArgs(spec(), { accel: 'tcg', paths });
    expect(values(args, '-drive')).toEqual([
      'if=none,id=disk0,file=/srv/sr/disk.raw,format=raw,cache=writeback,discard=unmap',
      'if=none,id=cd1,file=/srv/iso/seed.iso,format=raw,media=cdrom,readonly=on',
    ]);
    const devices = values(args, '-device');
    expect(devices).toContain('virtio-blk-pci,drive=disk0,bootindex=1');
    expect(devices).toContain('ide-cd,drive=cd1,bootindex=2');
  });

  it('boot order "dc" boots the CD first; "n" gives the NIC a boot index', () => {
    const devices = values(buildQemuArgs(spec({ bootOrder: 'dcn' }), { accel: 'tcg', paths }), '-device');
    expect(devices).toContain('ide-cd,drive=cd1,bootindex=1');
    expect(devices).toContain('virtio-blk-pci,drive=disk0,bootindex=2');
    expect(devices).toContain('virtio-net-pci,netdev=net0,mac=02:00:00:aa:bb:01,bootindex=3');
  });

  it('an empty boot order means "cd" (xapi.md §8 hvm_default_boot_order) and devices not named get no index', () => {
    const devices = values(buildQemuArgs(spec({ bootOrder: '' }), { accel: 'tcg', paths }), '-device');
    expect(devices).toContain('virtio-blk-pci,drive=disk0,bootindex=1');
    expect(devices).toContain('virtio-net-pci,netdev=net0,mac=02:00:00:aa:bb:01');
  });

  it('a bootable disk boots before a non-bootable one, and a read-only disk is opened read-only', () => {
    const disks = spec().disks.slice(0, 1);
    const args = buildQemuArgs(
      spec({ disks: [{ path: '/d/data.raw', format: 'raw', kind: 'disk', readonly: true, bootable: false }, ...disks], bootOrder: 'c' }),
      { accel: 'tcg', paths },
    );
    expect(values(args, '-device')).toEqual(expect.arrayContaining(['virtio-blk-pci,drive=disk1,bootindex=1', 'virtio-blk-pci,drive=disk0,bootindex=2']));
    expect(values(args, '-drive')[0]).toMatch(/^if=none,id=disk0,file=\/d\/data\.raw,.*,readonly=on$/);
  });

  it('an unknown boot device letter is refused with the allowed ones', () => {
    expect(() => buildQemuArgs(spec({ bootOrder: 'ca' }), { accel: 'tcg', paths })).toThrow(
      expect.objectContaining({ code: 'GUEST_SPEC_INVALID', hint: expect.stringContaining('c (disk), d (CD) and n (network)') }),
    );
  });

  it('networking is restricted user mode with SSH forwarded on the VM\'s loopback address, first NIC only', () => {
    const args = buildQemuArgs(spec({ nics: [{ mac: '02:00:00:aa:bb:01' }, { mac: '02:00:00:aa:bb:02' }] }), { accel: 'tcg', paths });
    expect(values(args, '-netdev')).toEqual(['user,id=net0,restrict=on,hostfwd=tcp:127.77.0.5:22-:22', 'user,id=net1,restrict=on']);
    expect(values(args, '-device')).toContain('virtio-net-pci,netdev=net1,mac=02:00:00:aa:bb:02');
  });

  it('a VM without NICs gets no network at all', () => {
    const args = buildQemuArgs(spec({ nics: [] }), { accel: 'tcg', paths });
    expect(args).not.toContain('-netdev');
  });

  it('QMP, the guest agent channel, the serial console and the pid file live in stateDir', () => {
    const args = buildQemuArgs(spec(), { accel: 'tcg', paths });
    expect(values(args, '-qmp')).toEqual(['unix:/run/lab/vm1/qmp.sock,server=on,wait=off']);
    expect(values(args, '-chardev')).toEqual(['socket,id=qga0,path=/run/lab/vm1/qga.sock,server=on,wait=off', 'file,id=console0,path=/run/lab/vm1/console.log']);
    expect(values(args, '-device')).toEqual(expect.arrayContaining(['virtio-serial-pci', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0']));
    expect(values(args, '-serial')).toEqual(['chardev:console0']);
    expect(values(args, '-pidfile')).toEqual(['/run/lab/vm1/qemu.pid']);
  });

  it('a comma in a path is doubled so QEMU does not split the option there', () => {
    const args = buildQemuArgs(spec({ disks: [{ path: '/d/a,b.raw', format: 'raw', kind: 'disk', readonly: false, bootable: true }] }), { accel: 'tcg', paths });
    expect(values(args, '-drive')[0]).toContain('file=/d/a,,b.raw,');
  });

  it('UEFI: q35 with OVMF code read-only and the VM\'s own variable store', () => {
    const args = buildQemuArgs(spec({ firmware: 'uefi' }), { accel: 'tcg', paths, ovmf: { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/run/lab/vm1/OVMF_VARS.fd' } });
    expect(values(args, '-machine')).toEqual(['q35']);
    expect(values(args, '-drive').slice(0, 2)).toEqual([
      'if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd',
      'if=pflash,format=raw,unit=1,file=/run/lab/vm1/OVMF_VARS.fd',
    ]);
  });

  it('UEFI without OVMF, a non-loopback address, a bad MAC and a too-long socket path are refused', () => {
    const refuse = (s: GuestSpec, p = paths) => () => buildQemuArgs(s, { accel: 'tcg', paths: p });
    expect(refuse(spec({ firmware: 'uefi' }))).toThrow(expect.objectContaining({ code: 'GUEST_SPEC_INVALID', hint: expect.stringContaining('ovmf') }));
    expect(refuse(spec({ address: '10.0.0.5' }))).toThrow(/not a 127\.0\.0\.0\/8 address/);
    expect(refuse(spec({ nics: [{ mac: '02:00:00:aa:bb' }] }))).toThrow(/MAC "02:00:00:aa:bb"/);
    expect(refuse(spec(), statePaths(`/tmp/${'x'.repeat(100)}`))).toThrow(/longer than 107 bytes/);
  });
});
