// Finding and removing what ingot builds left on a host: VMs and VDIs carrying ingot's
// other_config key (src/xapi/tags.ts). Only objects ingot marked are ever touched.
import type { XapiClient } from './client.js';
import { BUILD_KEY } from './tags.js';
import type { Ref, VDIRecord, VMRecord } from './types.generated.js';
import { destroyVdi } from './vdi.js';
import { destroyVm } from './vm.js';

export interface Leftover {
  kind: 'VM' | 'VDI';
  ref: string;
  uuid: string;
  name: string;
  build: string;
  /** VM power state or VDI size, for the listing. */
  state: string;
}

export async function findLeftovers(xapi: XapiClient, build?: string): Promise<Leftover[]> {
  const vms = await xapi.call<Record<string, VMRecord>>('VM.get_all_records');
  const vdis = await xapi.call<Record<string, VDIRecord>>('VDI.get_all_records');
  const out: Leftover[] = [];
  for (const [ref, vm] of Object.entries(vms)) {
    const id = vm.other_config?.[BUILD_KEY];
    if (id === undefined || vm.is_control_domain || (build !== undefined && id !== build)) continue;
    out.push({ kind: 'VM', ref, uuid: vm.uuid, name: vm.name_label, build: id, state: vm.power_state });
  }
  for (const [ref, vdi] of Object.entries(vdis)) {
    const id = vdi.other_config?.[BUILD_KEY];
    if (id === undefined || (build !== undefined && id !== build)) continue;
    out.push({ kind: 'VDI', ref, uuid: vdi.uuid, name: vdi.name_label, build: id, state: `${vdi.virtual_size} bytes` });
  }
  return out;
}

/** When a build started, read from its id (`<recipe>-YYYYMMDD-HHMMSS-xxxx`, pipeline/build/context.ts). */
export function buildStarted(build: string): Date | undefined {
  const m = /-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-[0-9a-f]{4}$/.exec(build);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, se));
}

/** Leftovers of builds started more than `ageMs` ago; an id without a time is kept out (unknown age). */
export function olderThan(leftovers: Leftover[], ageMs: number, now = Date.now()): Leftover[] {
  return leftovers.filter((l) => {
    const started = buildStarted(l.build);
    return started !== undefined && now - started.getTime() > ageMs;
  });
}

/** Removes VMs first (that releases their VBDs), then VDIs. Returns what could not be removed. */
export async function removeLeftovers(xapi: XapiClient, leftovers: Leftover[], onRemoved: (l: Leftover) => void): Promise<Array<{ leftover: Leftover; error: unknown }>> {
  const failed: Array<{ leftover: Leftover; error: unknown }> = [];
  for (const kind of ['VM', 'VDI'] as const) {
    for (const leftover of leftovers.filter((l) => l.kind === kind)) {
      try {
        if (kind === 'VM') await destroyVm(xapi, leftover.ref as Ref<'VM'>);
        else await destroyVdi(xapi, leftover.ref as Ref<'VDI'>);
        onRemoved(leftover);
      } catch (error) {
        failed.push({ leftover, error });
      }
    }
  }
  return failed;
}
