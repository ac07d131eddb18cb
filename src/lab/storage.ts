// VDI contents on the lab's disk: one sparse raw file per VDI at <state>/sr/<sr-uuid>/<vdi-uuid>.raw.
// Writes skip all-zero blocks so a thin SR stays thin; an SR's space is finite and running out is
// SR_BACKEND_FAILURE_44, which is what the SM backend reports on a real host (xapi.md §6, §8.15).
import { mkdir, open, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab } from './context.js';
import type { Rec } from './db.js';
import { XapiFault } from './fault.js';

/** Granularity of zero-skipping and of allocation accounting. */
export const BLOCK = 64 * 1024;

export function insufficientSpace(): XapiFault {
  return new XapiFault('SR_BACKEND_FAILURE_44', ['', 'There is insufficient space', '']);
}

export class Storage {
  constructor(readonly dir: string) {}

  vdiPath(srUuid: string, vdiUuid: string): string {
    return join(this.dir, 'sr', srUuid, `${vdiUuid}.raw`);
  }

  async create(path: string, size: number): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true });
    const fh = await open(path, 'w');
    try {
      await fh.truncate(size);
    } finally {
      await fh.close();
    }
  }

  async resize(path: string, size: number): Promise<void> {
    await truncate(path, size);
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  /** Bytes the file really occupies (st_blocks), the thin SR's physical_utilisation. */
  async allocated(path: string): Promise<number> {
    try {
      return (await stat(path)).blocks * 512;
    } catch {
      return 0; // a VDI whose file is gone occupies nothing; its record says the rest
    }
  }
}

/** True when the SR allocates a VDI's whole virtual size up front (lvm without allocation=thin). */
export function isThick(sr: Rec): boolean {
  const smConfig = sr.sm_config as Record<string, string>;
  return sr.type === 'lvm' && smConfig.allocation !== 'thin';
}

/** Where a VDI's bytes live. */
export function vdiFile(lab: Lab, vdiRef: string): string {
  const vdi = lab.db.get('VDI', vdiRef);
  const sr = lab.db.get('SR', vdi.SR);
  return lab.storage.vdiPath(String(sr.uuid), String(vdi.uuid));
}

/** Free bytes of an SR: physical_size less what its VDIs occupy. */
export function srFree(lab: Lab, srRef: string): number {
  const sr = lab.db.get('SR', srRef);
  return Number(sr.physical_size) - Number(sr.physical_utilisation);
}

/** Recomputes a VDI's physical_utilisation and its SR's physical_utilisation/virtual_allocation. */
export async function refreshUsage(lab: Lab, srRef: string): Promise<void> {
  const sr = lab.db.find('SR', srRef);
  if (sr === undefined) return;
  let used = 0;
  let virtual = 0;
  for (const vdiRef of sr.VDIs as string[]) {
    const vdi = lab.db.find('VDI', vdiRef);
    if (vdi === undefined) continue;
    const size = Number(vdi.virtual_size);
    const physical = isThick(sr) ? size : await lab.storage.allocated(lab.storage.vdiPath(String(sr.uuid), String(vdi.uuid)));
    if (lab.db.find('VDI', vdiRef) === undefined) continue;
    if (vdi.physical_utilisation !== physical) lab.db.update('VDI', vdiRef, { physical_utilisation: physical });
    used += physical;
    virtual += size;
  }
  if (lab.db.find('SR', srRef) === undefined) return;
  if (sr.physical_utilisation !== used || sr.virtual_allocation !== virtual) {
    lab.db.update('SR', srRef, { physical_utilisation: used, virtual_allocation: virtual });
  }
}
