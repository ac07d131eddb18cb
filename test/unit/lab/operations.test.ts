// current_operations and OTHER_OPERATION_IN_PROGRESS on a VM whose guest is slow to shut down.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FakeHypervisor } from '../../support/lab/fake-hypervisor.js';
import { call, fault, login, refByName, startTestLab, type TestLab } from '../../support/lab/lab.js';

let lab: TestLab;
let session: string;

beforeAll(async () => {
  lab = await startTestLab({ hypervisor: new FakeHypervisor(20, 1500) });
  session = await login(lab);
});
afterAll(async () => {
  await lab.stop();
});

test('a second operation during a clean shutdown is OTHER_OPERATION_IN_PROGRESS; a hard shutdown may interrupt it', async () => {
  const vm = await call<string>(lab, 'VM.clone', session, refByName(lab, 'VM', 'Other install media'), 'busy');
  await call(lab, 'VM.remove_from_other_config', session, vm, 'disks');
  await call(lab, 'VM.provision', session, vm);
  await call(lab, 'VM.start', session, vm, false, false);
  const task = await call<string>(lab, 'Async.VM.clean_shutdown', session, vm);
  for (let i = 0; i < 100 && Object.keys(await call<Record<string, string>>(lab, 'VM.get_current_operations', session, vm)).length === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(await call(lab, 'VM.get_current_operations', session, vm)).toEqual({ [task]: 'clean_shutdown' });
  expect(await call(lab, 'VM.get_allowed_operations', session, vm)).toEqual(['hard_shutdown']);
  expect(await fault(lab, 'VM.clean_shutdown', session, vm)).toEqual({ code: 'OTHER_OPERATION_IN_PROGRESS', params: ['VM', vm] });
  await call(lab, 'VM.hard_shutdown', session, vm);
  expect(await call(lab, 'VM.get_power_state', session, vm)).toBe('Halted');
  for (let i = 0; i < 200 && (await call(lab, 'task.get_status', session, task)) === 'pending'; i++) await new Promise((r) => setTimeout(r, 10));
  expect(await call(lab, 'VM.get_current_operations', session, vm)).toEqual({});
  expect(await call(lab, 'VM.get_allowed_operations', session, vm)).toContain('start');
});
