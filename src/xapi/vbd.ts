// VBDs: attach a disk or a CD to a VM (xapi.md §3.2: boot disk at userdevice 0, CD at 3, the
// only slots HVM emulates as IDE besides 1 and 2).
import type { XapiClient } from './client.js';
import { hasCode } from './errors.js';
import type { Ref } from './types.generated.js';

export async function attachDisk(xapi: XapiClient, vm: Ref<'VM'>, vdi: Ref<'VDI'>): Promise<Ref<'VBD'>> {
  return xapi.call<Ref<'VBD'>>('VBD.create', {
    VM: vm, VDI: vdi, userdevice: '0', bootable: true, mode: 'RW', type: 'Disk', empty: false,
    unpluggable: false, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {},
  });
}

/**
 * Puts an ISO VDI in the VM's CD drive: the template's empty drive when it has one (VBD.insert is
 * DB-only on a halted VM, xapi.md §3.2), else a new read-only CD VBD at userdevice 3.
 * `created` tells the caller whether to eject or destroy it afterwards.
 */
export async function insertCd(xapi: XapiClient, vm: Ref<'VM'>, vdi: Ref<'VDI'>): Promise<{ vbd: Ref<'VBD'>; created: boolean }> {
  const emptyDrive = (await vmVbds(xapi, vm)).find((v) => v.type === 'CD' && v.empty);
  if (emptyDrive !== undefined) {
    await xapi.call('VBD.insert', emptyDrive.ref, vdi);
    return { vbd: emptyDrive.ref, created: false };
  }
  return { vbd: await attachCd(xapi, vm, vdi), created: true };
}

export async function ejectCd(xapi: XapiClient, vbd: Ref<'VBD'>): Promise<void> {
  await xapi.call('VBD.eject', vbd).catch((error: unknown) => {
    if (!hasCode(error, 'HANDLE_INVALID', 'VBD_IS_EMPTY')) throw error;
  });
}

export async function attachCd(xapi: XapiClient, vm: Ref<'VM'>, vdi: Ref<'VDI'>): Promise<Ref<'VBD'>> {
  return xapi.call<Ref<'VBD'>>('VBD.create', {
    VM: vm, VDI: vdi, userdevice: '3', bootable: false, mode: 'RO', type: 'CD', empty: false,
    unpluggable: true, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {},
  });
}

export async function destroyVbd(xapi: XapiClient, vbd: Ref<'VBD'>): Promise<void> {
  await xapi.call('VBD.destroy', vbd).catch((error: unknown) => {
    if (!hasCode(error, 'HANDLE_INVALID')) throw error;
  });
}

/** A VM's VBDs with the fields ingot decides on. */
export async function vmVbds(xapi: XapiClient, vm: Ref<'VM'>): Promise<Array<{ ref: Ref<'VBD'>; type: string; empty: boolean; userdevice: string }>> {
  const refs = await xapi.call<Array<Ref<'VBD'>>>('VM.get_VBDs', vm);
  const out = [];
  for (const ref of refs) {
    const r = await xapi.call<{ type: string; empty: boolean; userdevice: string }>('VBD.get_record', ref);
    out.push({ ref, type: r.type, empty: r.empty, userdevice: r.userdevice });
  }
  return out;
}
