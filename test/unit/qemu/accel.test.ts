// The accelerator choice, against fake /dev, /sys/module and /proc/cpuinfo trees.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseAccel, type AccelProbePaths } from '../../../src/lab/qemu/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function fakeHost(opts: { devKvm: boolean; modules: string[]; flags: string }): Promise<AccelProbePaths> {
  const root = await mkdtemp(join(tmpdir(), 'ingot-accel-'));
  dirs.push(root);
  const paths = { devKvm: join(root, 'dev/kvm'), sysModule: join(root, 'sys/module'), cpuinfo: join(root, 'proc/cpuinfo') };
  await mkdir(join(root, 'dev'));
  await mkdir(paths.sysModule, { recursive: true });
  await mkdir(join(root, 'proc'));
  if (opts.devKvm) await writeFile(paths.devKvm, '');
  for (const m of opts.modules) await mkdir(join(paths.sysModule, m));
  await writeFile(paths.cpuinfo, `processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme ${opts.flags} sse2\n\nprocessor\t: 1\n`);
  return paths;
}

describe('accelerator choice', () => {
  it('auto picks TCG on a kvm_pvm host and says why, even though /dev/kvm is there', async () => {
    const paths = await fakeHost({ devKvm: true, modules: ['kvm', 'kvm_pvm'], flags: 'pae' });
    const choice = await chooseAccel('auto', paths);
    expect(choice.accel).toBe('tcg');
    expect(choice.reason).toContain('kvm_pvm');
    expect(choice.reason).toContain('does not boot');
  });

  it('auto picks KVM where /dev/kvm is usable and the CPU has vmx', async () => {
    const paths = await fakeHost({ devKvm: true, modules: ['kvm', 'kvm_intel'], flags: 'vmx pae' });
    expect(await chooseAccel('auto', paths)).toEqual({ accel: 'kvm', reason: expect.stringContaining('vmx') });
  });

  it('auto picks KVM on an AMD host (svm)', async () => {
    const paths = await fakeHost({ devKvm: true, modules: ['kvm', 'kvm_amd'], flags: 'svm' });
    expect((await chooseAccel('auto', paths)).accel).toBe('kvm');
  });

  it('auto picks TCG without /dev/kvm', async () => {
    const paths = await fakeHost({ devKvm: false, modules: [], flags: 'vmx' });
    const choice = await chooseAccel('auto', paths);
    expect(choice.accel).toBe('tcg');
    expect(choice.reason).toContain(`${paths.devKvm} does not exist`);
  });

  it('auto picks TCG when the CPU has no virtualisation flag', async () => {
    const paths = await fakeHost({ devKvm: true, modules: ['kvm'], flags: 'pae' });
    const choice = await chooseAccel('auto', paths);
    expect(choice.accel).toBe('tcg');
    expect(choice.reason).toMatch(/neither the vmx nor the svm flag/);
  });

  it.skipIf(process.getuid?.() === 0)('auto picks TCG when /dev/kvm is not accessible', async () => {
    const paths = await fakeHost({ devKvm: true, modules: ['kvm_intel'], flags: 'vmx' });
    await chmod(paths.devKvm, 0);
    const choice = await chooseAccel('auto', paths);
    expect(choice.accel).toBe('tcg');
    expect(choice.reason).toContain('kvm group');
  });

  it('tcg is honoured whatever the host has', async () => {
    const paths = await fakeHost({ devKvm: true, modules: ['kvm_intel'], flags: 'vmx' });
    expect((await chooseAccel('tcg', paths)).accel).toBe('tcg');
  });

  it('kvm without /dev/kvm is refused with ACCEL_UNAVAILABLE and a hint', async () => {
    const paths = await fakeHost({ devKvm: false, modules: [], flags: 'vmx' });
    await expect(chooseAccel('kvm', paths)).rejects.toMatchObject({ code: 'ACCEL_UNAVAILABLE', hint: expect.stringContaining('--accel tcg') });
  });

  it('kvm requested on a kvm_pvm host is honoured with a warning in the reason', async () => {
    const paths = await fakeHost({ devKvm: true, modules: ['kvm_pvm'], flags: '' });
    const choice = await chooseAccel('kvm', paths);
    expect(choice.accel).toBe('kvm');
    expect(choice.reason).toMatch(/warning: .*kvm_pvm/);
  });

  it('an unknown request is a usage error listing the allowed values', async () => {
    const paths = await fakeHost({ devKvm: false, modules: [], flags: '' });
    await expect(chooseAccel('xen' as never, paths)).rejects.toMatchObject({ code: 'USAGE', hint: expect.stringContaining('kvm, tcg, auto') });
  });
});
