// The disk a build starts from when the recipe names one already on the host (source.template,
// source.vdi): found by uuid or name_label, checked (it exists, has a disk, nothing writes to it),
// then cloned or copied onto the build SR (xapi.md §3.1 step 2 b/c) and marked as the build's.
import { IngotError } from '../errors/index.js';
import { editDistance } from '../recipe/suggest.js';
import type { XapiClient } from './client.js';
import { toIngotError } from './errors.js';
import { BUILD_KEY, buildOtherConfig, INGOT_TAG } from './tags.js';
import type { Ref, VBDRecord, VDIRecord, VMRecord } from './types.generated.js';

const NULL_REF = 'OpaqueRef:NULL';

export interface SourceDisk {
  /** The VDI whose contents become the build disk. */
  ref: Ref<'VDI'>;
  record: VDIRecord;
  /** What the recipe named, as found on the host (the template/VM, or the VDI itself). */
  named: { uuid: string; name_label: string };
  /** Which disk and why, for the stage's detail line. */
  note: string;
}

/** The system disk of the template or VM named `nameOrUuid`: the bootable one, else the lowest userdevice. */
export async function findTemplateDisk(xapi: XapiClient, nameOrUuid: string): Promise<SourceDisk> {
  const all = Object.entries(await xapi.call<Record<string, VMRecord>>('VM.get_all_records')) as Array<[Ref<'VM'>, VMRecord]>;
  const candidates = all.filter(([, vm]) => !vm.is_control_domain);
  const matches = candidates.filter(([, vm]) => vm.uuid === nameOrUuid || vm.name_label === nameOrUuid);
  if (matches.length === 0) {
    throw new IngotError('XAPI_NOT_FOUND', `source.template: no template or VM named or with uuid "${nameOrUuid}"`, {
      hint: `${nearNames(nameOrUuid, candidates.map(([, vm]) => vm.name_label), 'templates and VMs')} Name one whose disk should be the build's starting point.`,
    });
  }
  if (matches.length > 1) {
    throw new IngotError('XAPI_NOT_FOUND', `source.template: ${matches.length} templates or VMs are named "${nameOrUuid}"`, {
      hint: `Use a uuid instead: ${matches.map(([, vm]) => `${vm.uuid} (${vm.is_a_template ? 'template' : `VM, ${vm.power_state}`})`).join(', ')}.`,
    });
  }
  const [, vm] = matches[0]!;
  const disks: Array<{ vbd: VBDRecord; ref: Ref<'VDI'> }> = [];
  for (const vbdRef of vm.VBDs) {
    const vbd = await xapi.call<VBDRecord>('VBD.get_record', vbdRef);
    if (vbd.type === 'Disk' && !vbd.empty && vbd.VDI !== NULL_REF) disks.push({ vbd, ref: vbd.VDI as Ref<'VDI'> });
  }
  if (disks.length === 0) {
    const provisioned = vm.other_config?.disks !== undefined;
    throw new IngotError('XAPI_SOURCE_UNSUITABLE', `source.template: "${vm.name_label}" (${vm.uuid}) has no disk to clone`, {
      hint: provisioned
        ? 'Its other_config.disks only describes empty disks that VM.provision would create. Name a template or VM with an installed disk, or start from source.image.'
        : 'Name a template or VM that has a disk (an installed system), or start from source.image.',
    });
  }
  // The bootable disk is the system disk; among equals, the lowest userdevice (XO and xe do the same).
  disks.sort((a, b) => Number(b.vbd.bootable) - Number(a.vbd.bootable) || Number(a.vbd.userdevice) - Number(b.vbd.userdevice));
  const chosen = disks[0]!;
  const record = await xapi.call<VDIRecord>('VDI.get_record', chosen.ref);
  await refuseInUse(xapi, chosen.ref, record, `source.template "${vm.name_label}"`);
  const others = disks.length > 1 ? ` (${disks.length - 1} other disk(s) not used)` : '';
  return { ref: chosen.ref, record, named: { uuid: vm.uuid, name_label: vm.name_label }, note: `disk "${record.name_label}" at userdevice ${chosen.vbd.userdevice} of ${vm.is_a_template ? 'template' : 'VM'} "${vm.name_label}"${others}` };
}

/** The VDI named `nameOrUuid`; two with that name is an error that lists them. */
export async function findVdi(xapi: XapiClient, nameOrUuid: string): Promise<SourceDisk> {
  const all = Object.entries(await xapi.call<Record<string, VDIRecord>>('VDI.get_all_records')) as Array<[Ref<'VDI'>, VDIRecord]>;
  const matches = all.filter(([, vdi]) => vdi.uuid === nameOrUuid || vdi.name_label === nameOrUuid);
  if (matches.length === 0) {
    throw new IngotError('XAPI_NOT_FOUND', `source.vdi: no VDI named or with uuid "${nameOrUuid}"`, {
      hint: `${nearNames(nameOrUuid, all.map(([, vdi]) => vdi.name_label), 'VDIs')} \`xe vdi-list\` shows every VDI with its uuid.`,
    });
  }
  if (matches.length > 1) {
    const srs = await xapi.call<Record<string, { name_label: string }>>('SR.get_all_records');
    const list = matches.map(([, v]) => `${v.uuid} (SR "${srs[v.SR]?.name_label ?? v.SR}", ${gib(Number(v.virtual_size))})`);
    throw new IngotError('XAPI_NOT_FOUND', `source.vdi: ${matches.length} VDIs are named "${nameOrUuid}"`, { hint: `Use a uuid instead: ${list.join(', ')}.` });
  }
  const [ref, record] = matches[0]!;
  await refuseInUse(xapi, ref, record, `source.vdi "${nameOrUuid}"`);
  return { ref, record, named: { uuid: record.uuid, name_label: record.name_label }, note: `VDI "${record.name_label}"` };
}

/** Refuses a disk some running VM has attached: its copy would be torn mid-write, and the VM's writes are not the recipe's. */
async function refuseInUse(xapi: XapiClient, ref: Ref<'VDI'>, vdi: VDIRecord, what: string): Promise<void> {
  for (const vbdRef of vdi.VBDs) {
    const vbd = await xapi.call<VBDRecord>('VBD.get_record', vbdRef);
    if (!vbd.currently_attached) continue;
    const vm = await xapi.call<VMRecord>('VM.get_record', vbd.VM);
    throw new IngotError('XAPI_SOURCE_UNSUITABLE', `${what}: VDI ${vdi.uuid} is in use, attached to ${vm.power_state.toLowerCase()} VM "${vm.name_label}" (${vm.uuid})`, {
      hint: `Shut that VM down first (xe vm-shutdown uuid=${vm.uuid}), or snapshot it and name the snapshot's disk.`,
      details: { vdi: ref, vm: vbd.VM },
    });
  }
}

/**
 * A new VDI with the source's contents on `sr`: VDI.clone when the source is already there (the
 * SR is thin, so the clone is copy-on-write and instant), else VDI.copy (a full, sparse copy).
 */
export async function cloneOnto(xapi: XapiClient, source: SourceDisk, sr: Ref<'SR'>): Promise<{ ref: Ref<'VDI'>; method: 'VDI.clone' | 'VDI.copy' }> {
  try {
    if (source.record.SR === sr) return { ref: await xapi.callAsync<Ref<'VDI'>>('VDI.clone', source.ref, {}), method: 'VDI.clone' };
    return { ref: await xapi.callAsync<Ref<'VDI'>>('VDI.copy', source.ref, sr), method: 'VDI.copy' };
  } catch (error) {
    throw toIngotError(error, `copy of source VDI ${source.record.uuid}`);
  }
}

/** Makes a cloned VDI the build's: its names, the ingot tag and the build key (replacing one inherited from the source). */
export async function markAsBuildDisk(xapi: XapiClient, vdi: Ref<'VDI'>, names: { nameLabel: string; nameDescription: string }, buildId: string): Promise<void> {
  await xapi.call('VDI.set_name_label', vdi, names.nameLabel);
  await xapi.call('VDI.set_name_description', vdi, names.nameDescription);
  await xapi.call('VDI.remove_from_other_config', vdi, BUILD_KEY);
  await xapi.call('VDI.add_to_other_config', vdi, BUILD_KEY, buildOtherConfig(buildId)[BUILD_KEY]);
  await xapi.call('VDI.add_tags', vdi, INGOT_TAG);
}

/** "Close names: "a", "b"." for a not-found hint: the nearest by edit distance, else a sample. */
function nearNames(wanted: string, names: string[], what: string): string {
  const unique = [...new Set(names.filter((n) => n !== ''))];
  const lower = wanted.toLowerCase();
  const scored = unique.map((n) => ({ n, d: n.toLowerCase().includes(lower) || lower.includes(n.toLowerCase()) ? 0 : editDistance(lower, n.toLowerCase()) }));
  const close = scored.filter((s) => s.d <= Math.max(3, Math.floor(wanted.length / 3))).sort((a, b) => a.d - b.d || a.n.localeCompare(b.n)).slice(0, 5);
  if (close.length > 0) return `Close names: ${close.map((s) => `"${s.n}"`).join(', ')}.`;
  const sample = unique.sort().slice(0, 10);
  return sample.length === 0 ? `The host has no ${what}.` : `No close name; ${what} on this host include ${sample.map((n) => `"${n}"`).join(', ')}${unique.length > 10 ? ', …' : ''}.`;
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}
