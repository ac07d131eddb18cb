// The lab driving the real QEMU runner (src/lab/qemu) through the Hypervisor port: VM.start runs a
// qemu-system-x86_64 process for the VM, hard_shutdown ends it. No guest OS is booted here (a
// diskless VM); the real-guest boot test is the e2e suite's.
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createQemuHypervisor } from '../../../src/lab/qemu/index.js';
import { call, login, refByName, startTestLab, type TestLab } from '../../support/lab/lab.js';

let lab: TestLab;

/** Pids of processes whose command line mentions `needle` (read from /proc, nothing is signalled). */
async function processesWith(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('qemu-system') && cmdline.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

beforeAll(async () => {
  lab = await startTestLab({ hypervisor: await createQemuHypervisor({ accel: 'tcg' }) });
});
afterAll(async () => {
  await lab?.stop();
});

test('VM.start runs one QEMU process for the VM and hard_shutdown ends it', async () => {
  const session = await login(lab);
  const vm = await call<string>(lab, 'VM.clone', session, refByName(lab, 'VM', 'Other install media'), 'qemu');
  await call(lab, 'VM.remove_from_other_config', session, vm, 'disks');
  await call(lab, 'VM.provision', session, vm);
  const mem = 128 * 1024 * 1024;
  await call(lab, 'VM.set_memory_limits', session, vm, mem, mem, mem, mem);
  const uuid = await call<string>(lab, 'VM.get_uuid', session, vm);
  await call(lab, 'VM.start', session, vm, false, false);
  expect(await call(lab, 'VM.get_power_state', session, vm)).toBe('Running');
  expect(await processesWith(uuid)).toHaveLength(1);
  await call(lab, 'VM.hard_shutdown', session, vm);
  expect(await call(lab, 'VM.get_power_state', session, vm)).toBe('Halted');
  for (let i = 0; i < 50 && (await processesWith(uuid)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await processesWith(uuid)).toEqual([]);
}, 60_000);
