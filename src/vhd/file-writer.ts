// Raw → VHD into a seekable file in ONE pass over the input (vhd.md §4.1 strategy B): blocks are
// appended at the offsets the two-pass writer would give them (ascending index order after the
// fixed-size metadata), and the footer copy, header, BAT and batmap are written last. The bytes
// are identical to prepareVhd's stream; the input is read once instead of twice.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { silent, type Report } from '../cli/events.js';
import { testBit, setBit } from './batmap.js';
import { BITMAP_SIZE, BLOCK_SIZE } from './constants.js';
import { encodeMetadata, planLayout } from './layout.js';
import { byteProgress } from './progress.js';
import { readBlocks, type RawSource } from './source.js';
import { buildFooter, checkSize, digestBlockIndex, digestPreamble, randomUuid, uuidFrom, vhdTimestamp, wrapShort, type WriteOptions } from './writer.js';

export interface WrittenVhd {
  length: number;
  currentSize: number;
  allocatedBlocks: number;
  uuid: Uint8Array;
}

const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);

export async function writeVhdFile(source: RawSource, out: FileHandle, opts: WriteOptions, report: Report = silent): Promise<WrittenVhd> {
  checkSize(source.size);
  const count = Math.ceil(source.size / BLOCK_SIZE);
  const alloc = new Uint8Array(Math.ceil(count / 8) + 1);
  // Metadata size depends only on the block count, so block offsets are known before the scan ends.
  const firstBlock = planLayout(source.size, () => false).firstBlockOffset;
  const hash = opts.deterministic && opts.uuid === undefined ? createHash('sha256').update(digestPreamble(source.size)) : undefined;
  const index = Buffer.alloc(8);
  // Two buffers (bitmap + data each): the write of one block overlaps the read of the next.
  const buffers = [0, 1].map(() => {
    const b = Buffer.allocUnsafeSlow(BITMAP_SIZE + BLOCK_SIZE);
    b.fill(0xff, 0, BITMAP_SIZE);
    return b;
  });
  let turn = 0;
  let writing = -1; // index of the buffer an unfinished write still reads from
  const nextBuffer = (): Buffer => (buffers[(turn = writing === 0 ? 1 : 0)] as Buffer).subarray(BITMAP_SIZE);
  const want = source.kind === 'random' && source.mayHaveData ? source.mayHaveData : () => true;
  const tick = byteProgress(report, 'convert', source.size);
  let position = firstBlock;
  let pending: Promise<void> = Promise.resolve();
  await wrapShort(
    (async () => {
      try {
        for await (const i of readBlocks(source, want, nextBuffer)) {
          opts.signal?.throwIfAborted();
          tick(Math.min(source.size, (i + 1) * BLOCK_SIZE));
          const buf = buffers[turn] as Buffer;
          if (buf.subarray(BITMAP_SIZE).equals(ZERO_BLOCK)) continue;
          setBit(alloc, i);
          hash?.update(digestBlockIndex(index, i)).update(buf.subarray(BITMAP_SIZE));
          // The previous write must finish before its buffer is refilled (next iteration's read).
          await pending;
          writing = turn;
          pending = writeAll(out, buf, position);
          position += buf.length;
        }
      } finally {
        await pending;
      }
    })(),
  );
  const layout = planLayout(source.size, (i) => testBit(alloc, i));
  const uuid = opts.uuid ?? (hash ? uuidFrom(hash.digest()) : randomUuid());
  const footer = buildFooter(layout, vhdTimestamp(opts), uuid);
  await writeAll(out, footer, position);
  await writeAll(out, Buffer.concat([footer, encodeMetadata(layout)]), 0);
  tick(source.size);
  return { length: layout.fileSize, currentSize: layout.currentSize, allocatedBlocks: layout.allocatedBlocks, uuid };
}

async function writeAll(fh: FileHandle, b: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < b.length) done += (await fh.write(b, done, b.length - done, position + done)).bytesWritten;
}
