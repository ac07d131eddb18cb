// Raw file → VHD file, atomically: written to OUT.partial, renamed into place only when complete.
import { createHash } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { silent, type Report } from '../cli/events.js';
import { writeVhdFile } from './file-writer.js';
import { openRawFile, type RawSource } from './source.js';
import { prepareVhd, type PreparedVhd, type WriteOptions } from './writer.js';

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
      if (opts.scanned !== undefined) {
        // Pass 1 is known, so the VHD comes out in file order and is hashed as it is written;
        // nothing reads the output back (issue 5, "stream once").
        ({ vhd, sha256 } = await writeInOrder(source, out, opts, report));
      } else {
        vhd = await writeVhdFile(source, out, opts, report);
      }
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

async function writeInOrder(source: RawSource, out: FileHandle, opts: WriteOptions, report: Report): Promise<{ vhd: PreparedVhd; sha256: string }> {
  const vhd = await prepareVhd(source, opts, report);
  const hash = createHash('sha256');
  let position = 0;
  for await (const chunk of vhd.stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    for (let done = 0; done < chunk.length; ) done += (await out.write(chunk, done, chunk.length - done, position + done)).bytesWritten;
    position += chunk.length;
  }
  return { vhd, sha256: hash.digest('hex') };
}
