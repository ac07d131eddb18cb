// The local checks of `ingot doctor` on facts a test controls: Node versions around the floor,
// and the lab's KVM and port-22 findings on fake /dev, /sys and /proc trees.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLab } from '../../../src/doctor/lab.js';
import { checkNode } from '../../../src/doctor/local.js';

describe('checkNode', () => {
  it.each([
    ['22.12.0', 'ok'],
    ['24.1.0', 'ok'],
    ['22.11.0', 'fail'],
    ['20.18.1', 'fail'],
  ])('Node %s is %s', (version, status) => {
    const c = checkNode(version, '/opt/node/bin/node');
    expect(c.status).toBe(status);
    expect(c.found).toContain(`Node ${version} (/opt/node/bin/node)`);
    if (status === 'fail') expect(c.fix).toContain('scripts/node-env.sh');
  });
});

async function fakeHost(opts: { kvm: boolean; pvm: boolean; flags: string; portStart: number }) {
  const root = await mkdtemp(join(tmpdir(), 'ingot-doctor-host-'));
  await mkdir(join(root, 'sys', 'module'), { recursive: true });
  if (opts.pvm) await mkdir(join(root, 'sys', 'module', 'kvm_pvm'));
  if (opts.kvm) await writeFile(join(root, 'kvm'), '');
  await writeFile(join(root, 'cpuinfo'), `processor\t: 0\nflags\t\t: fpu ${opts.flags} sse2\n`);
  await writeFile(join(root, 'port_start'), `${opts.portStart}\n`);
  return {
    env: { PATH: '' },
    accelPaths: { devKvm: join(root, 'kvm'), sysModule: join(root, 'sys', 'module'), cpuinfo: join(root, 'cpuinfo') },
    ovmfDirs: [root],
    portStartFile: join(root, 'port_start'),
    uid: 1000,
  };
}

describe('checkLab', () => {
  it('is all warnings on a machine without the lab tools, KVM or port 22, each naming its fix', async () => {
    const checks = await checkLab(await fakeHost({ kvm: false, pvm: false, flags: '', portStart: 1024 }));
    expect(checks.map((c) => [c.id, c.status])).toEqual([['lab.qemu', 'warn'], ['lab.kvm', 'warn'], ['lab.port22', 'warn'], ['lab.openssl', 'warn'], ['lab.ovmf', 'warn']]);
    const byId = new Map(checks.map((c) => [c.id, c]));
    expect(byId.get('lab.kvm')?.found).toMatch(/tcg \(software emulation, slow\): the CPU has neither the vmx nor the svm flag/);
    expect(byId.get('lab.port22')?.found).toContain('ip_unprivileged_port_start is 1024');
    expect(byId.get('lab.port22')?.fix).toContain('sysctl -w net.ipv4.ip_unprivileged_port_start=22');
    expect(byId.get('lab.qemu')?.fix).toContain('qemu-system-x86');
  });

  it('finds KVM usable and port 22 open when the host allows both', async () => {
    const byId = new Map((await checkLab(await fakeHost({ kvm: true, pvm: false, flags: 'vmx', portStart: 22 }))).map((c) => [c.id, c]));
    expect(byId.get('lab.kvm')).toMatchObject({ status: 'ok', found: expect.stringMatching(/^kvm: .* is usable and the CPU has vmx$/) });
    expect(byId.get('lab.port22')).toMatchObject({ status: 'ok', fix: null });
  });

  it('says why KVM is refused on a kvm_pvm host even though /dev/kvm opens', async () => {
    const byId = new Map((await checkLab(await fakeHost({ kvm: true, pvm: true, flags: 'vmx', portStart: 22 }))).map((c) => [c.id, c]));
    expect(byId.get('lab.kvm')).toMatchObject({ status: 'warn', found: expect.stringContaining('kvm_pvm') });
  });
});
