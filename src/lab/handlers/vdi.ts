// VDI.create/destroy/resize/copy/clone over the SR directories (xapi.md §2.2, §3.2, §6).
import { open } from 'node:fs/promises';
import type { CallContext, Handler, Lab } from '../context.js';
import type { Rec } from '../db.js';
import { XapiFault } from '../fault.js';
import { SparseWriter } from '../sparse-writer.js';
import { insufficientSpace, isThick, refreshUsage, srFree, vdiFile } from '../storage.js';
import { checkCancelled, setProgress } from '../tasks.js';

const MiB2 = 2 * 1024 * 1024;
/** MAX_VHD_SIZE: 2040 GiB (sm vhdutil.py, xapi constants.ml). */
export const MAX_VHD_SIZE = 2040 * 1024 * 1024 * 1024;

/** VHD-based SRs round virtual_size up to 2 MiB, minimum 2 MiB (vhdutil validate_and_round_vhd_size). */
function roundSize(sr: Rec, size: number): number {
  if (sr.type === 'iso') return size;
  if (size < 0 || size > MAX_VHD_SIZE) throw new XapiFault('SR_BACKEND_FAILURE_79', ['', 'VDI Invalid size', '']);
  return Math.max(MiB2, Math.ceil(size / MiB2) * MiB2);
}

/** Creates a VDI record and its (sparse) file; the SR's PBD must be plugged. */
export async function createVdi(lab: Lab, fields: Rec): Promise<string> {
  const srRef = String(fields.SR);
  const sr = lab.db.get('SR', srRef);
  const plugged = (sr.PBDs as string[]).some((p) => lab.db.find('PBD', p)?.currently_attached === true);
  if (!plugged) throw new XapiFault('SR_HAS_NO_PBDS', [srRef]);
  if (fields.type === 'cbt_metadata') throw new XapiFault('VDI_INCOMPATIBLE_TYPE', ['', 'cbt_metadata']);
  const size = roundSize(sr, Number(fields.virtual_size));
  if (isThick(sr) && size > srFree(lab, srRef)) throw insufficientSpace();
  const smConfig = { ...(sr.type === 'iso' ? {} : { vdi_type: 'vhd' }), ...(fields.sm_config as Record<string, string>) };
  const ref = lab.db.create('VDI', { ...fields, virtual_size: size, sm_config: smConfig, managed: true });
  const vdi = lab.db.get('VDI', ref);
  lab.db.update('VDI', ref, { location: vdi.uuid });
  await lab.storage.create(vdiFile(lab, ref), size);
  await refreshUsage(lab, srRef);
  return ref;
}

/** Copies `from` into a new VDI on `srRef`, block by block, keeping holes. */
export async function copyVdi(ctx: CallContext, from: string, srRef: string): Promise<string> {
  const { lab } = ctx;
  const src = lab.db.get('VDI', from);
  const ref = await createVdi(lab, {
    name_label: src.name_label,
    name_description: src.name_description,
    SR: srRef,
    virtual_size: src.virtual_size,
    type: src.type,
    sharable: src.sharable,
    read_only: false,
    other_config: { ...(src.other_config as Record<string, string>) },
    sm_config: {},
  });
  const input = await open(vdiFile(lab, from), 'r');
  const output = await open(vdiFile(lab, ref), 'r+');
  try {
    const size = Number(src.virtual_size);
    const writer = new SparseWriter(output, isThick(lab.db.get('SR', srRef)) ? Number.MAX_SAFE_INTEGER : srFree(lab, srRef));
    const buf = Buffer.alloc(1024 * 1024);
    for (let pos = 0; pos < size; ) {
      const { bytesRead } = await input.read(buf, 0, Math.min(buf.length, size - pos), pos);
      if (bytesRead === 0) break;
      await writer.write(Buffer.from(buf.subarray(0, bytesRead)));
      pos += bytesRead;
      setProgress(lab, ctx.task, pos / size);
      checkCancelled(lab, ctx.task);
    }
    await writer.finish();
  } catch (error) {
    await output.close();
    await destroyVdi(lab, ref);
    throw error;
  } finally {
    await input.close();
    await output.close().catch(() => undefined); // already closed on the error path
  }
  await refreshUsage(lab, srRef);
  return ref;
}

export async function destroyVdi(lab: Lab, ref: string): Promise<void> {
  const vdi = lab.db.get('VDI', ref);
  const attached = (vdi.VBDs as string[]).some((v) => lab.db.find('VBD', v)?.currently_attached === true);
  if (attached) throw new XapiFault('VDI_IN_USE', [ref, 'destroy']);
  const path = vdiFile(lab, ref);
  // Unattached VBDs go with the VDI (xapi.md §3.2 VDI.destroy).
  for (const vbd of [...(vdi.VBDs as string[])]) if (lab.db.find('VBD', vbd)) lab.db.delete('VBD', vbd);
  lab.db.delete('VDI', ref);
  await lab.storage.remove(path);
  await refreshUsage(lab, String(vdi.SR));
}

export const VDI_HANDLERS: Record<string, Handler> = {
  'VDI.create': ({ lab }, [record]) => createVdi(lab, record as Rec),
  'VDI.destroy': ({ lab }, [self]) => destroyVdi(lab, String(self)),
  'VDI.resize': async ({ lab }, [self, size]) => {
    const vdi = lab.db.get('VDI', self);
    const sr = lab.db.get('SR', vdi.SR);
    const rounded = roundSize(sr, Number(size));
    if (rounded < Number(vdi.virtual_size)) throw new XapiFault('SR_BACKEND_FAILURE_79', ['', 'VDI Invalid size', 'shrinking is not supported']);
    if (isThick(sr) && rounded - Number(vdi.virtual_size) > srFree(lab, String(vdi.SR))) throw insufficientSpace();
    await lab.storage.resize(vdiFile(lab, String(self)), rounded);
    lab.db.update('VDI', String(self), { virtual_size: rounded });
    await refreshUsage(lab, String(vdi.SR));
  },
  'VDI.copy': (ctx, [self, sr]) => {
    const vdi = ctx.lab.db.get('VDI', self);
    const target = ctx.lab.db.find('SR', sr) ? String(sr) : String(vdi.SR);
    return copyVdi(ctx, String(self), target);
  },
  // Storage CoW is not modelled: a clone is a full sparse copy on the same SR.
  'VDI.clone': (ctx, [self]) => copyVdi(ctx, String(self), String(ctx.lab.db.get('VDI', self).SR)),
};
