// Raw file → VHD file, atomically: written to OUT.partial, renamed into place only when complete.
import { open, rename, rm } from 'node:fs/promises';
import { silent, type Report } from '../cli/events.js';
import { openRawFile } from './source.js';
import { prepareVhd, type WriteOptions } from './writer.js';

export interface ConvertResult {
  path: string;
  length: number;
  currentSize: number;
  allocatedBlocks: number;
  uuid: string;
}

/** Converts the raw image at `inPath` into a blktap-style dynamic VHD at `outPath` (overwrites it). */
export async function convertToVhd(inPath: string, outPath: string, opts: WriteOptions, report: Report = silent): Promise<ConvertResult> {
  const source = await openRawFile(inPath);
  const partial = `${outPath}.partial`;
  try {
    const vhd = await prepareVhd(source, opts, report);
    const out = await open(partial, 'w');
    try {
      let position = 0;
      for await (const chunk of vhd.stream as AsyncIterable<Buffer>) {
        let written = 0;
        while (written < chunk.length) {
          const { bytesWritten } = await out.write(chunk, written, chunk.length - written, position + written);
          written += bytesWritten;
        }
        position += chunk.length;
      }
      if (position !== vhd.length) throw new Error(`wrote ${position} bytes, announced ${vhd.length}`);
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(partial, outPath);
    return { path: outPath, length: vhd.length, currentSize: vhd.currentSize, allocatedBlocks: vhd.allocatedBlocks, uuid: Buffer.from(vhd.uuid).toString('hex') };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await source.close();
  }
}
