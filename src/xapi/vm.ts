// VMs: find the template, clone and provision it, configure HVM boot, start, watch the power
// state, shut down, destroy (xapi.md §3.1, §3.2, §5.2).
import { IngotError } from '../errors/index.js';
import type { XapiClient } from './client.js';
import { hasCode } from './errors.js';
import { buildOtherConfig, BUILD_KEY, INGOT_TAG } from './tags.js';
import type { Ref, VMRecord, VmPowerState } from './types.generated.js';
import { waitFor } from './wait.js';

export async function findTemplate(xapi: XapiClient, nameOrUuid: string): Promise<{ ref: Ref<'VM'>; record: VMRecord }> {
  const all = Object.entries(await xapi.call<Record<string, VMRecord>>('VM.get_all_records')) as Array<[Ref<'VM'>, VMRecord]>;
  const candidates = all.filter(([, vm]) => !vm.is_control_domain && !vm.is_a_snapshot);
  const matches = candidates.filter(([, vm]) => vm.uuid === nameOrUuid || vm.name_label === nameOrUuid);
  if (matches.length === 0) {
    const templates = candidates.filter(([, vm]) => vm.is_a_template).map(([, vm]) => `"${vm.name_label}"`).sort();
    throw new IngotError('XAPI_NOT_FOUND', `no template or VM named or with uuid "${nameOrUuid}"`, {
      hint: `Templates on this host: ${templates.slice(0, 20).join(', ')}${templates.length > 20 ? ', …' : ''}.`,
    });
  }
  if (matches.length > 1) {
    throw new IngotError('XAPI_NOT_FOUND', `${matches.length} objects are named "${nameOrUuid}"`, { hint: `Use a uuid: ${matches.map(([, vm]) => vm.uuid).join(', ')}.` });
  }
  const [ref, record] = matches[0]!;
  return { ref, record };
}

/** Clones a template into a new VM and makes it a VM: without the template's own disks (xapi.md §3.1 step 3). */
export async function instantiate(xapi: XapiClient, template: Ref<'VM'>, name: string, buildId: string): Promise<Ref<'VM'>> {
  const vm = await xapi.callAsync<Ref<'VM'>>('VM.clone', template, name);
  await xapi.call('VM.remove_from_other_config', vm, 'disks');
  await xapi.call('VM.add_to_other_config', vm, BUILD_KEY, buildOtherConfig(buildId)[BUILD_KEY]);
  await xapi.call('VM.add_tags', vm, INGOT_TAG);
  await xapi.callAsync('VM.provision', vm);
  return vm;
}

export interface VmShape {
  memoryBytes: number;
  vcpus: number;
  firmware: 'bios' | 'uefi';
  bootOrder: string;
  platform: Record<string, string>;
  description: string;
  tags: string[];
}

export async function configureVm(xapi: XapiClient, vm: Ref<'VM'>, shape: VmShape): Promise<void> {
  await xapi.call('VM.set_name_description', vm, shape.description);
  // Raise the maximum before the startup count, or XAPI refuses the startup count (xapi.md §3.1).
  await xapi.call('VM.set_VCPUs_max', vm, shape.vcpus);
  await xapi.call('VM.set_VCPUs_at_startup', vm, shape.vcpus);
  await xapi.call('VM.set_memory_limits', vm, shape.memoryBytes, shape.memoryBytes, shape.memoryBytes, shape.memoryBytes);
  // HVM boot (xapi.md §5.2): "BIOS order" + PV_bootloader "" is HVM on every XAPI version.
  await xapi.call('VM.set_HVM_boot_policy', vm, 'BIOS order');
  await xapi.call('VM.set_PV_bootloader', vm, '');
  await xapi.call('VM.set_HVM_boot_params', vm, { order: shape.bootOrder, firmware: shape.firmware });
  const current = await xapi.call<Record<string, string>>('VM.get_platform', vm);
  const platform: Record<string, string> = { ...current, viridian: 'false', ...shape.platform };
  if (shape.firmware === 'uefi' && platform.secureboot === undefined) platform.secureboot = 'false';
  await xapi.call('VM.set_platform', vm, platform);
  // A guest-initiated poweroff must reach Halted, not restart (xapi.md §5.2).
  await xapi.call('VM.set_actions_after_shutdown', vm, 'destroy');
  for (const tag of shape.tags) await xapi.call('VM.add_tags', vm, tag);
}

export async function startVm(xapi: XapiClient, vm: Ref<'VM'>): Promise<void> {
  await xapi.callAsync('VM.start', vm, false, false);
}

export async function powerState(xapi: XapiClient, vm: Ref<'VM'>): Promise<VmPowerState> {
  return xapi.call<VmPowerState>('VM.get_power_state', vm);
}

export async function waitForHalted(xapi: XapiClient, vm: Ref<'VM'>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  let last = 'unknown';
  await waitFor(
    async () => {
      last = await powerState(xapi, vm);
      return last === 'Halted' ? true : undefined;
    },
    { timeoutMs, intervalMs: 1_000, ...(signal ? { signal } : {}), describe: () => `the VM to power off (it is ${last})`, hint: 'ingot falls back to a clean, then a hard shutdown.' },
  );
}

/** Stops a VM however it can: clean shutdown with a bound, then hard. Already Halted is success. */
export async function stopVm(xapi: XapiClient, vm: Ref<'VM'>, cleanTimeoutMs: number, signal?: AbortSignal): Promise<'halted' | 'clean' | 'hard'> {
  if ((await powerState(xapi, vm)) === 'Halted') return 'halted';
  try {
    await xapi.callAsync('VM.clean_shutdown', vm);
    await waitForHalted(xapi, vm, cleanTimeoutMs, signal);
    return 'clean';
  } catch (error) {
    if (hasCode(error, 'VM_BAD_POWER_STATE') && (await powerState(xapi, vm)) === 'Halted') return 'halted';
    await xapi.callAsync('VM.hard_shutdown', vm).catch((hardError: unknown) => {
      if (!hasCode(hardError, 'VM_BAD_POWER_STATE')) throw hardError;
    });
    return 'hard';
  }
}

/** Removes a VM built by ingot: stopped first; VBDs and VIFs go with it, VDIs do not (xapi.md §3.2). */
export async function destroyVm(xapi: XapiClient, vm: Ref<'VM'>): Promise<void> {
  try {
    await stopVm(xapi, vm, 60_000);
    await xapi.call('VM.destroy', vm);
  } catch (error) {
    if (!hasCode(error, 'HANDLE_INVALID')) throw error;
  }
}
