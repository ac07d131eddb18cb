// Choosing the SR a build writes to: by name, uuid or the pool default; thin only (xapi.md §6),
// with enough free space for the disk.
import { IngotError } from '../errors/index.js';
import { formatBytes } from '../format.js';
import type { XapiClient } from './client.js';
import { provisioning } from './thin.js';
import type { Ref, SMRecord, SRRecord } from './types.generated.js';

export interface ChosenSr {
  ref: Ref<'SR'>;
  record: SRRecord;
  reason: string;
}

export async function chooseSr(xapi: XapiClient, wanted: string, diskBytes: number): Promise<ChosenSr> {
  const all = await xapi.call<Record<string, SRRecord>>('SR.get_all_records');
  const entries = Object.entries(all) as Array<[Ref<'SR'>, SRRecord]>;
  let found: [Ref<'SR'>, SRRecord] | undefined;
  if (wanted === 'default') {
    const pools = await xapi.call<Record<string, { default_SR: string }>>('pool.get_all_records');
    const defaultRef = Object.values(pools)[0]?.default_SR;
    found = entries.find(([ref]) => ref === defaultRef);
    if (found === undefined) {
      throw new IngotError('XAPI_NOT_FOUND', 'the pool has no default SR', {
        hint: `Name an SR in the recipe (vm.sr). SRs on this host: ${describeSrs(entries)}.`,
      });
    }
  } else {
    const matches = entries.filter(([, sr]) => sr.uuid === wanted || sr.name_label === wanted);
    if (matches.length > 1) {
      throw new IngotError('XAPI_NOT_FOUND', `${matches.length} SRs are named "${wanted}"`, { hint: `Use the uuid instead: ${matches.map(([, sr]) => sr.uuid).join(', ')}.` });
    }
    found = matches[0];
    if (found === undefined) {
      throw new IngotError('XAPI_NOT_FOUND', `no SR named or with uuid "${wanted}"`, { hint: `SRs on this host: ${describeSrs(entries)}.` });
    }
  }
  const [ref, sr] = found;
  if (sr.content_type === 'iso') {
    throw new IngotError('XAPI_SR_UNSUITABLE', `SR "${sr.name_label}" is an ISO library, not disk storage`, { hint: `Choose a disk SR: ${describeSrs(entries)}.` });
  }
  const sms = Object.values(await xapi.call<Record<string, SMRecord>>('SM.get_all_records'));
  const p = provisioning(sr, sms);
  if (!p.thin) {
    throw new IngotError('XAPI_SR_UNSUITABLE', `SR "${sr.name_label}" (${sr.uuid}, type ${sr.type}) is thick-provisioned: ${p.reason}`, {
      hint:
        'A thick SR allocates the whole virtual size of every disk, so the build disk and its export take their full size ' +
        'instead of the data written. Choose a thin SR (ext, nfs, or lvm with sm_config.allocation=thin) with vm.sr in the recipe. ' +
        `Thin SRs here: ${describeSrs(entries.filter(([, s]) => s.content_type !== 'iso' && provisioning(s, sms).thin)) || 'none'}.`,
      details: { sr: sr.uuid, type: sr.type },
    });
  }
  const free = Number(sr.physical_size) - Number(sr.physical_utilisation);
  if (free < diskBytes) {
    // Checked before anything is imported: the whole virtual size, since the guest may fill it.
    throw new IngotError('XAPI_SR_UNSUITABLE', `SR "${sr.name_label}" has ${formatBytes(free)} free of ${formatBytes(Number(sr.physical_size))}, the build disk needs up to ${formatBytes(diskBytes)} (${diskBytes} bytes)`, {
      hint: `Free space on the SR, choose another one with vm.sr (disk SRs here: ${describeSrs(entries.filter(([, s]) => s.content_type !== 'iso'))}), or make vm.disk smaller.`,
      details: { sr: sr.uuid, free, physical_size: Number(sr.physical_size), needed: diskBytes },
    });
  }
  return { ref, record: sr, reason: p.reason };
}

function describeSrs(entries: Array<[string, SRRecord]>): string {
  return entries.map(([, sr]) => `"${sr.name_label}" (${sr.type}, ${sr.uuid})`).join(', ');
}
