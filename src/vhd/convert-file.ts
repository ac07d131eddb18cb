// Raw file → VHD file, atomically: written to OUT.partial, renamed into place only when complete.
import { open, rename, rm } from 'node:fs/promises';
import { silent, type Report } from '../cli/events.js';
import { writeVhdFile } from './file-writer.js';
import { openRawFile } from './source.js';
import type { WriteOptions } from './writer.js';

export interface ConvertResult {
  path: string;
  length: number;
  currentSize: number;
  allocatedBlocks: number;
  uuid: string;
  /** SHA-256 of the VHD file, computed while it was written: only when `opts.scanned` let it be written in file order. */
  sha256?: string;
}

/** Converts the raw image at `inPath` into a blktap-style dynamic VHD at `outPath` (overwrites it). */
export async function convertToVhd(inPath: string, outPath: string, opts: WriteOptions, report: Report = silent): Promise<ConvertResult> {
  const source = await openRawFile(inPath, opts.signal ? { signal: opts.signal } : {});
  const partial = `${outPath}.partial`;
  try {
    const out = await open(partial, 'w');
    let vhd;
    let sha256: string | undefined;
    try {
      // With pass 1 known (opts.scanned) the file is written front to back and hashed as it goes;
      // nothing reads the output back (issue 5, "stream once").
      vhd = await writeVhdFile(source, out, opts, report);
      sha256 = vhd.sha256;
      const { size } = await out.stat();
      if (size !== vhd.length) throw new Error(`wrote ${size} bytes, planned ${vhd.length}`);
      // Durable before the rename, so OUT never names a half-written file after a crash.
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(partial, outPath);
    return { path: outPath, length: vhd.length, currentSize: vhd.currentSize, allocatedBlocks: vhd.allocatedBlocks, uuid: Buffer.from(vhd.uuid).toString('hex'), ...(sha256 ? { sha256 } : {}) };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await source.close();
  }
}
