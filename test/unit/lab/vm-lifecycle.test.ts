// VM life cycle in the datamodel with the fake hypervisor (xapi.md §3.2, §5, §8 state changes).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, fault, login, refByName, startTestLab, type TestLab } from '../../support/lab/lab.js';

type Rec = Record<string, unknown>;
const MiB = 1024 * 1024;
let lab: TestLab;
let session: string;
let network: string;

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function newVm(name: string, nics = 1): Promise<string> {
  const vm = await call<string>(lab, 'VM.clone', session, refByName(lab, 'VM', 'Other install media'), name);
  await call(lab, 'VM.remove_from_other_config', session, vm, 'disks');
  await call(lab, 'VM.provision', session, vm);
  for (let i = 0; i < nics; i++) await call(lab, 'VIF.create', session, { device: String(i), network, VM: vm, MAC: '', MTU: 1500, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} });
  return vm;
}

const gmOf = async (vm: string) => {
  const ref = await call<string>(lab, 'VM.get_guest_metrics', session, vm);
  return ref === 'OpaqueRef:NULL' ? undefined : ref;
};

beforeAll(async () => {
  lab = await startTestLab();
  session = await login(lab);
  network = refByName(lab, 'network', 'Pool-wide network associated with eth0');
});
afterAll(async () => {
  await lab.stop();
});

describe('provision, clone, copy', () => {
  test('provision creates the disks of other_config.disks on the default SR and removes the key', async () => {
    const vm = await call<string>(lab, 'VM.clone', session, refByName(lab, 'VM', 'Debian Bookworm 12'), 'provisioned');
    expect(await call(lab, 'VM.get_is_a_template', session, vm)).toBe(true);
    await call(lab, 'VM.provision', session, vm);
    const rec = await call<Rec>(lab, 'VM.get_record', session, vm);
    expect(rec.is_a_template).toBe(false);
    expect(rec.other_config).not.toHaveProperty('disks');
    const disks = await Promise.all((rec.VBDs as string[]).map((v) => call<Rec>(lab, 'VBD.get_record', session, v)));
    const disk = disks.find((d) => d.type === 'Disk') as Rec;
    expect(disk).toMatchObject({ userdevice: '0', bootable: true, mode: 'RW' });
    const vdi = await call<Rec>(lab, 'VDI.get_record', session, disk.VDI);
    expect(vdi).toMatchObject({ virtual_size: 10 * 1024 ** 3, SR: refByName(lab, 'SR', 'Local storage'), physical_utilisation: 0 });
    expect(await call(lab, 'VM.get_other_config', session, vm)).toMatchObject({ base_template_name: 'Debian Bookworm 12' });
  });

  test('VM.copy puts copies of the disks on the SR given; VM.destroy leaves VDIs behind', async () => {
    const source = await call<string>(lab, 'VM.clone', session, refByName(lab, 'VM', 'Debian Bookworm 12'), 'source');
    await call(lab, 'VM.remove_from_other_config', session, source, 'disks');
    await call(lab, 'VM.provision', session, source);
    const vdi = await call<string>(lab, 'VDI.create', session, { SR: refByName(lab, 'SR', 'Local storage'), virtual_size: 2 * MiB, type: 'user', sharable: false, read_only: false, other_config: {} });
    await call(lab, 'VBD.create', session, { VM: source, VDI: vdi, userdevice: '0', bootable: true, mode: 'RW', type: 'Disk', empty: false, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} });
    const lvm = refByName(lab, 'SR', 'Local LVM (thick)');
    const copy = await call<string>(lab, 'VM.copy', session, source, 'copy', lvm);
    const vbds = await Promise.all((await call<string[]>(lab, 'VM.get_VBDs', session, copy)).map((v) => call<Rec>(lab, 'VBD.get_record', session, v)));
    const disk = vbds.find((v) => v.type === 'Disk') as Rec;
    expect(disk.VDI).not.toBe(vdi);
    expect(await call(lab, 'VDI.get_SR', session, disk.VDI)).toBe(lvm);
    await call(lab, 'VM.destroy', session, copy);
    expect(await call(lab, 'VDI.get_SR', session, disk.VDI)).toBe(lvm);
  });

  test('VDI.copy to the thick SR and VDI.resize round to 2 MiB; the thick SR accounts the full size', async () => {
    const vdi = await call<string>(lab, 'VDI.create', session, { SR: refByName(lab, 'SR', 'Local storage'), virtual_size: 3 * MiB, type: 'user', sharable: false, read_only: false, other_config: {} });
    expect(await call(lab, 'VDI.get_virtual_size', session, vdi)).toBe(4 * MiB);
    await call(lab, 'VDI.resize', session, vdi, 5 * MiB);
    expect(await call(lab, 'VDI.get_virtual_size', session, vdi)).toBe(6 * MiB);
    const copy = await call<string>(lab, 'VDI.copy', session, vdi, refByName(lab, 'SR', 'Local LVM (thick)'));
    expect(await call<Rec>(lab, 'VDI.get_record', session, copy)).toMatchObject({ virtual_size: 6 * MiB, physical_utilisation: 6 * MiB });
  });

  test('VIF.create validation: decimal device, valid MAC, one NIC per device; "" MAC is generated', async () => {
    const vm = await newVm('nics');
    const base = { network, VM: vm, MTU: 1500, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} };
    expect(await fault(lab, 'VIF.create', session, { ...base, device: 'eth1', MAC: '' })).toEqual({ code: 'INVALID_DEVICE', params: ['eth1'] });
    expect(await fault(lab, 'VIF.create', session, { ...base, device: '1', MAC: 'zz:00' })).toEqual({ code: 'MAC_INVALID', params: ['zz:00'] });
    expect(await fault(lab, 'VIF.create', session, { ...base, device: '0', MAC: '' })).toEqual({ code: 'DEVICE_ALREADY_EXISTS', params: ['0'] });
    const [vif] = await call<string[]>(lab, 'VM.get_VIFs', session, vm);
    expect(await call<Rec>(lab, 'VIF.get_record', session, vif)).toMatchObject({ MAC: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/), MAC_autogenerated: true });
  });
});

describe('power', () => {
  test('start clears guest metrics (a clone\'s stale IP), then the agent reports a fresh address; addresses differ per VM', async () => {
    const a = await newVm('a');
    await call(lab, 'VM.start', session, a, false, false);
    const gmA = await until('metrics of a', () => gmOf(a));
    await call(lab, 'VM.hard_shutdown', session, a);
    expect(await call(lab, 'VM.get_guest_metrics', session, a)).toBe(gmA); // kept after shutdown
    const b = await call<string>(lab, 'VM.clone', session, a, 'b');
    const stale = await call<string>(lab, 'VM.get_guest_metrics', session, b);
    expect(stale).not.toBe('OpaqueRef:NULL'); // VM.clone copies guest metrics
    await call(lab, 'VM.start', session, b, false, false);
    await call(lab, 'VM.start', session, a, false, false);
    // Start dropped the clone's copy: the field is NULL until the agent reports, or already a new
    // record (the fake guest "boots" in 50 ms, which a loaded machine can outrun).
    expect(await call(lab, 'VM.get_guest_metrics', session, b)).not.toBe(stale);
    const fresh = await until('metrics of b', () => gmOf(b));
    const ipB = (await call<Record<string, string>>(lab, 'VM_guest_metrics.get_networks', session, fresh))['0/ip'];
    const ipA = (await call<Record<string, string>>(lab, 'VM_guest_metrics.get_networks', session, await until('metrics of a', () => gmOf(a))))['0/ip'];
    expect(ipA).not.toBe(ipB);
    expect(await call<Rec>(lab, 'VM_guest_metrics.get_record', session, fresh)).toMatchObject({ live: true, PV_drivers_detected: true });
    await call(lab, 'VM.hard_shutdown', session, a);
    await call(lab, 'VM.hard_shutdown', session, b);
  });

  test('allowed_operations follow the power state and attachment', async () => {
    const template = refByName(lab, 'VM', 'Debian Bookworm 12');
    const ops = (ref: string, cls = 'VM') => call<string[]>(lab, `${cls}.get_allowed_operations`, session, ref);
    expect(await ops(template)).toContain('provision');
    expect(await ops(template)).not.toContain('start');
    expect(await ops(template)).not.toContain('destroy');
    const vm = await newVm('ops');
    const vdi = await call<string>(lab, 'VDI.create', session, { SR: refByName(lab, 'SR', 'Local storage'), virtual_size: MiB, type: 'user', sharable: false, read_only: false, other_config: {} });
    await call(lab, 'VBD.create', session, { VM: vm, VDI: vdi, userdevice: '0', bootable: true, mode: 'RW', type: 'Disk', empty: false, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} });
    expect(await ops(vm)).toEqual(expect.arrayContaining(['start', 'destroy', 'clone']));
    expect(await ops(vdi, 'VDI')).toContain('destroy');
    await call(lab, 'VM.start', session, vm, false, false);
    expect(await ops(vm)).toEqual(expect.arrayContaining(['clean_shutdown', 'hard_shutdown']));
    expect(await ops(vm)).not.toContain('start');
    expect(await ops(vdi, 'VDI')).not.toContain('destroy');
    await call(lab, 'VM.hard_shutdown', session, vm);
    expect(await ops(vdi, 'VDI')).toContain('destroy');
  });

  test('start_paused leaves the VM Paused without a guest; unpause boots it', async () => {
    const vm = await newVm('paused');
    await call(lab, 'VM.start', session, vm, true, false);
    expect(await call(lab, 'VM.get_power_state', session, vm)).toBe('Paused');
    const uuid = await call<string>(lab, 'VM.get_uuid', session, vm);
    expect(lab.hypervisor.guestOf(uuid)).toBeUndefined();
    await call(lab, 'VM.unpause', session, vm);
    expect(await call(lab, 'VM.get_power_state', session, vm)).toBe('Running');
    expect(lab.hypervisor.guestOf(uuid)).toBeDefined();
    await call(lab, 'VM.hard_shutdown', session, vm);
  });

  test('with actions_after_shutdown "restart" a guest poweroff boots it again; clean_shutdown still halts it', async () => {
    const vm = await newVm('restarter');
    await call(lab, 'VM.set_actions_after_shutdown', session, vm, 'restart');
    await call(lab, 'VM.start', session, vm, false, false);
    const uuid = await call<string>(lab, 'VM.get_uuid', session, vm);
    const first = lab.hypervisor.guestOf(uuid);
    first?.exit('poweroff');
    await until('the reboot', async () => (lab.hypervisor.guestOf(uuid) !== first ? true : undefined));
    expect(await call(lab, 'VM.get_power_state', session, vm)).toBe('Running');
    await call(lab, 'VM.clean_shutdown', session, vm);
    expect(await call(lab, 'VM.get_power_state', session, vm)).toBe('Halted');
  });

  test('the guest spec follows HVM_boot_params: firmware, order; a bad firmware is INVALID_VALUE', async () => {
    const vm = await newVm('uefi', 2);
    await call(lab, 'VM.set_HVM_boot_params', session, vm, { order: 'dc', firmware: 'uefi' });
    await call(lab, 'VM.set_memory_limits', session, vm, 256 * MiB, 512 * MiB, 512 * MiB, 512 * MiB);
    await call(lab, 'VM.start', session, vm, false, false);
    const uuid = await call<string>(lab, 'VM.get_uuid', session, vm);
    expect(lab.hypervisor.guestOf(uuid)?.spec).toMatchObject({ firmware: 'uefi', bootOrder: 'dc', memoryBytes: 512 * MiB, nics: [{}, {}] });
    expect((await call<Rec>(lab, 'VM.get_platform', session, vm))['device-model']).toBe('qemu-upstream-uefi');
    await call(lab, 'VM.hard_shutdown', session, vm);
    await call(lab, 'VM.set_HVM_boot_params', session, vm, { firmware: 'coreboot' });
    expect(await fault(lab, 'VM.start', session, vm, false, false)).toEqual({ code: 'INVALID_VALUE', params: ["HVM-boot-params['firmware']", 'coreboot'] });
  });
});

test('every object made by clone, copy and provision has its own UUID', async () => {
  for (const cls of ['VM', 'VBD', 'VIF', 'VDI', 'VM_metrics', 'VM_guest_metrics']) {
    const uuids = Object.values(await call<Record<string, Rec>>(lab, `${cls}.get_all_records`, session)).map((r) => r.uuid);
    expect(uuids.every((u) => typeof u === 'string' && /^[0-9a-f-]{36}$/.test(u))).toBe(true);
    expect(new Set(uuids).size).toBe(uuids.length);
  }
});
