// Every error of issue 4 item 2 with the parameters XAPI really sends (xapi.md §1.5, §3.2, §7).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { USER, call, fault, login, refByName, startTestLab, type TestLab } from '../../support/lab/lab.js';

let lab: TestLab;
let session: string;

const vdiRecord = (sr: string, size: number) => ({ SR: sr, virtual_size: size, type: 'user', sharable: false, read_only: false, other_config: {}, name_label: 'd' });

beforeAll(async () => {
  lab = await startTestLab({ srSizes: { ext: 64 * 1024 * 1024, lvm: 32 * 1024 * 1024 } });
  session = await login(lab);
});
afterAll(async () => {
  await lab.stop();
});

describe('sessions', () => {
  test('bad credentials: SESSION_AUTHENTICATION_FAILED [uname, msg] (two parameters, unlike the datamodel)', async () => {
    expect(await fault(lab, 'session.login_with_password', USER, 'wrong')).toEqual({ code: 'SESSION_AUTHENTICATION_FAILED', params: [USER, 'Authentication failure'] });
  });

  test('login takes 2, 3 or 4 arguments; more is MESSAGE_PARAMETER_COUNT_MISMATCH', async () => {
    const { PASSWORD } = await import('../../support/lab/lab.js');
    await expect(call(lab, 'session.login_with_password', USER, PASSWORD, '1.0')).resolves.toMatch(/^OpaqueRef:/);
    await expect(call(lab, 'session.login_with_password', USER, PASSWORD, '1.0', 'packer')).resolves.toMatch(/^OpaqueRef:/);
    expect(await fault(lab, 'session.login_with_password', USER)).toEqual({ code: 'MESSAGE_PARAMETER_COUNT_MISMATCH', params: ['session.login_with_password', '2', '1'] });
  });

  test('an unknown or logged-out session: SESSION_INVALID [ref]', async () => {
    const other = await login(lab);
    await call(lab, 'session.logout', other);
    expect(await fault(lab, 'VM.get_all', other)).toEqual({ code: 'SESSION_INVALID', params: [other] });
  });
});

describe('dispatch', () => {
  test('HANDLE_INVALID [class, ref] and UUID_INVALID [class, uuid]', async () => {
    expect(await fault(lab, 'VM.get_record', session, 'OpaqueRef:missing')).toEqual({ code: 'HANDLE_INVALID', params: ['VM', 'OpaqueRef:missing'] });
    expect(await fault(lab, 'SR.get_by_uuid', session, '00000000-0000-0000-0000-000000000000')).toEqual({ code: 'UUID_INVALID', params: ['SR', '00000000-0000-0000-0000-000000000000'] });
  });

  test('MESSAGE_METHOD_UNKNOWN [method], also for Async of an accessor', async () => {
    expect(await fault(lab, 'VM.frobnicate', session)).toEqual({ code: 'MESSAGE_METHOD_UNKNOWN', params: ['VM.frobnicate'] });
    expect(await fault(lab, 'Async.VM.get_record', session, 'x')).toEqual({ code: 'MESSAGE_METHOD_UNKNOWN', params: ['Async.VM.get_record'] });
  });

  test('MESSAGE_PARAMETER_COUNT_MISMATCH counts exclude the session: VM.start(session, vm) is ["VM.start","3","1"]', async () => {
    const vm = refByName(lab, 'VM', 'Debian Bookworm 12');
    expect(await fault(lab, 'VM.start', session, vm)).toEqual({ code: 'MESSAGE_PARAMETER_COUNT_MISMATCH', params: ['VM.start', '3', '1'] });
  });

  test('a constructor record missing a required field: INTERNAL_ERROR Dispatcher_FieldNotFound', async () => {
    const sr = refByName(lab, 'SR', 'Local storage');
    expect(await fault(lab, 'VDI.create', session, { SR: sr, virtual_size: 1, type: 'user', sharable: false, read_only: false })).toEqual({
      code: 'INTERNAL_ERROR',
      params: ['Server_helpers.Dispatcher_FieldNotFound("other_config")'],
    });
  });

  test('a bad enum value: INVALID_VALUE', async () => {
    const vm = refByName(lab, 'VM', 'Debian Bookworm 12');
    expect((await fault(lab, 'VM.set_actions_after_crash', session, vm, 'explode')).code).toBe('INVALID_VALUE');
  });

  test('MAP_DUPLICATE_KEY [class, field, objref, key]; remove_from_ of a missing key is a no-op', async () => {
    const vm = refByName(lab, 'VM', 'Other install media');
    await call(lab, 'VM.add_to_other_config', session, vm, 'k', 'v');
    expect(await fault(lab, 'VM.add_to_other_config', session, vm, 'k', 'w')).toEqual({ code: 'MAP_DUPLICATE_KEY', params: ['VM', 'other_config', vm, 'k'] });
    await call(lab, 'VM.remove_from_other_config', session, vm, 'absent');
  });
});

describe('VMs and storage', () => {
  test('VM_IS_TEMPLATE [vm, op]; VM_BAD_POWER_STATE with lowercase, comma-joined states', async () => {
    const template = refByName(lab, 'VM', 'Debian Bookworm 12');
    expect(await fault(lab, 'VM.start', session, template, false, false)).toEqual({ code: 'VM_IS_TEMPLATE', params: [template, 'start'] });
    const vm = await call<string>(lab, 'VM.clone', session, template, 'halted one');
    await call(lab, 'VM.set_is_a_template', session, vm, false);
    expect(await fault(lab, 'VM.clean_shutdown', session, vm)).toEqual({ code: 'VM_BAD_POWER_STATE', params: [vm, 'running', 'halted'] });
    expect(await fault(lab, 'VM.hard_shutdown', session, vm)).toEqual({ code: 'VM_BAD_POWER_STATE', params: [vm, 'paused, suspended, running', 'halted'] });
    await call(lab, 'VM.start', session, vm, false, false);
    expect(await fault(lab, 'VM.start', session, vm, false, false)).toEqual({ code: 'VM_BAD_POWER_STATE', params: [vm, 'halted', 'running'] });
    expect(await fault(lab, 'VM.destroy', session, vm)).toEqual({ code: 'VM_BAD_POWER_STATE', params: [vm, 'halted, suspended', 'running'] });
    await call(lab, 'VM.hard_shutdown', session, vm);
  });

  test('provision only on templates; default templates cannot be destroyed', async () => {
    const template = refByName(lab, 'VM', 'Debian Bookworm 12');
    expect(await fault(lab, 'VM.destroy', session, template)).toEqual({ code: 'VM_CANNOT_DELETE_DEFAULT_TEMPLATE', params: [] });
    const vm = await call<string>(lab, 'VM.clone', session, template, 'p');
    await call(lab, 'VM.set_is_a_template', session, vm, false);
    expect(await fault(lab, 'VM.provision', session, vm)).toEqual({ code: 'PROVISION_ONLY_ALLOWED_ON_TEMPLATE', params: [] });
  });

  test('VDI_IN_USE [vdi, "destroy"] while a running VM has it attached', async () => {
    const sr = refByName(lab, 'SR', 'Local storage');
    const vdi = await call<string>(lab, 'VDI.create', session, vdiRecord(sr, 4 * 1024 * 1024));
    const vm = await call<string>(lab, 'VM.clone', session, refByName(lab, 'VM', 'Other install media'), 'in use');
    await call(lab, 'VM.set_is_a_template', session, vm, false);
    await call(lab, 'VBD.create', session, { VM: vm, VDI: vdi, userdevice: '0', bootable: true, mode: 'RW', type: 'Disk', empty: false, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} });
    await call(lab, 'VM.start', session, vm, false, false);
    expect(await fault(lab, 'VDI.destroy', session, vdi)).toEqual({ code: 'VDI_IN_USE', params: [vdi, 'destroy'] });
    await call(lab, 'VM.hard_shutdown', session, vm);
    await call(lab, 'VDI.destroy', session, vdi);
  });

  test('SR_BACKEND_FAILURE_44 ["", "There is insufficient space", ""] when a thick SR cannot hold a VDI', async () => {
    const lvm = refByName(lab, 'SR', 'Local LVM (thick)');
    expect(await fault(lab, 'VDI.create', session, vdiRecord(lvm, 64 * 1024 * 1024))).toEqual({ code: 'SR_BACKEND_FAILURE_44', params: ['', 'There is insufficient space', ''] });
  });

  test('VBD validation: CDs read-only, empty only for CDs, one device per slot, eject/insert rules', async () => {
    const vm = await call<string>(lab, 'VM.clone', session, refByName(lab, 'VM', 'Other install media'), 'vbd rules');
    const sr = refByName(lab, 'SR', 'Local storage');
    const vdi = await call<string>(lab, 'VDI.create', session, vdiRecord(sr, 2 * 1024 * 1024));
    const base = { VM: vm, VDI: vdi, bootable: false, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} };
    expect(await fault(lab, 'VBD.create', session, { ...base, userdevice: '1', mode: 'RW', type: 'CD', empty: false })).toEqual({ code: 'VBD_CDS_MUST_BE_READONLY', params: [] });
    expect(await fault(lab, 'VBD.create', session, { ...base, userdevice: '1', mode: 'RW', type: 'Disk', empty: true })).toEqual({ code: 'VBD_NOT_REMOVABLE_MEDIA', params: ['in constructor'] });
    expect(await fault(lab, 'VBD.create', session, { ...base, userdevice: '3', mode: 'RO', type: 'Disk', empty: false })).toEqual({ code: 'DEVICE_ALREADY_EXISTS', params: ['3'] });
    const disk = await call<string>(lab, 'VBD.create', session, { ...base, userdevice: '0', mode: 'RW', type: 'Disk', empty: false });
    expect(await fault(lab, 'VBD.eject', session, disk)).toEqual({ code: 'VBD_NOT_REMOVABLE_MEDIA', params: [disk] });
    const cd = (lab.lab.db.get('VM', vm).VBDs as string[]).find((r) => lab.lab.db.get('VBD', r).type === 'CD') as string;
    expect(await fault(lab, 'VBD.eject', session, cd)).toEqual({ code: 'VBD_IS_EMPTY', params: [cd] });
    await call(lab, 'VBD.insert', session, cd, vdi);
    expect(await fault(lab, 'VBD.insert', session, cd, vdi)).toEqual({ code: 'VBD_NOT_EMPTY', params: [cd] });
  });
});
