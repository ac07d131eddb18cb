// Raw → VHD into a seekable file in ONE pass over the input (vhd.md §4.1 strategy B): blocks are
// appended at the offsets the two-pass writer would give them (ascending index order after the
// fixed-size metadata), and the footer copy, header, BAT and batmap are written last. The bytes
// are identical to prepareVhd's stream; the input is read once instead of twice.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { silent, type Report } from '../cli/events.js';
import { IngotError } from '../errors/index.js';
import { testBit, setBit } from './batmap.js';
import { BITMAP_SIZE, BLOCK_SIZE } from './constants.js';
import { encodeMetadata, planLayout } from './layout.js';
import { byteProgress } from './progress.js';
import type { Scanned } from './scan.js';
import { readAhead, readBlocks, type RawSource } from './source.js';
import { buildFooter, checkSize, digestBlockIndex, digestPreamble, randomUuid, uuidFrom, vhdTimestamp, wrapShort, type WriteOptions } from './writer.js';

export interface WrittenVhd {
  length: number;
  currentSize: number;
  allocatedBlocks: number;
  uuid: Uint8Array;
  /** SHA-256 of the file, when it was written in file order (pass 1 known: `opts.scanned`). */
  sha256?: string;
}

const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);
/** Blocks read ahead of the one being stored: 4 × 2 MiB of buffers. */
const READ_AHEAD = 4;

export async function writeVhdFile(source: RawSource, out: FileHandle, opts: WriteOptions, report: Report = silent): Promise<WrittenVhd> {
  checkSize(source.size);
  const needsDigest = opts.deterministic && opts.uuid === undefined;
  if (opts.scanned !== undefined && source.kind === 'random' && (!needsDigest || opts.scanned.digest !== undefined)) return writeInFileOrder(source, out, opts, opts.scanned, report);
  // SHA-256 on the main thread: a worker thread was tried and lost (messaging cost 2.2 s per GiB
  // against 0.8 s of hashing).
  const hash = opts.deterministic && opts.uuid === undefined ? createHash('sha256').update(digestPreamble(source.size)) : undefined;
  const count = Math.ceil(source.size / BLOCK_SIZE);
  const alloc = new Uint8Array(Math.ceil(count / 8) + 1);
  // Metadata size depends only on the block count, so block offsets are known before the scan ends.
  const firstBlock = planLayout(source.size, () => false).firstBlockOffset;
  const index = Buffer.alloc(8);
  const tick = byteProgress(report, 'convert', source.size);
  let position = firstBlock;
  /**
   * Takes block i (bitmap + data in `slot`), in index order: once it resolves, the block has its
   * place and is hashed; `written` settles when `slot` may be reused.
   */
  const use = async (i: number, slot: Buffer): Promise<{ written: Promise<void> }> => {
    opts.signal?.throwIfAborted();
    tick(Math.min(source.size, (i + 1) * BLOCK_SIZE));
    const data = slot.subarray(BITMAP_SIZE);
    if (data.equals(ZERO_BLOCK)) return { written: Promise.resolve() };
    setBit(alloc, i);
    hash?.update(digestBlockIndex(index, i)).update(data);
    const at = position;
    position += slot.length;
    return { written: writeAll(out, slot, at) };
  };
  const bitmap = Buffer.alloc(BITMAP_SIZE, 0xff);
  if (source.kind === 'random') {
    // Several reads in flight (and writes overlapping them): one at a time left the disk idle.
    await wrapShort(readAhead(source, source.mayHaveData ?? (() => true), READ_AHEAD, bitmap, use));
  } else {
    const slot = Buffer.concat([bitmap, Buffer.allocUnsafeSlow(BLOCK_SIZE)]);
    await wrapShort(
      (async () => {
        for await (const i of readBlocks(source, () => true, () => slot.subarray(BITMAP_SIZE))) await (await use(i, slot)).written;
      })(),
    );
  }
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

/**
 * Pass 1 already known (`opts.scanned`): the metadata is final before the first block, so the file
 * is written front to back — the same bytes — and hashed as it goes; blocks still come through
 * readAhead (several reads in flight, writes overlapping them).
 */
async function writeInFileOrder(source: Extract<RawSource, { kind: 'random' }>, out: FileHandle, opts: WriteOptions, scanned: Scanned, report: Report): Promise<WrittenVhd> {
  const allocated = (i: number): boolean => testBit(scanned.alloc, i);
  const layout = planLayout(source.size, allocated);
  const uuid = opts.uuid ?? (scanned.digest ? uuidFrom(scanned.digest) : randomUuid());
  const footer = buildFooter(layout, vhdTimestamp(opts), uuid);
  const head = Buffer.concat([footer, encodeMetadata(layout)]);
  const hash = createHash('sha256').update(head);
  const tick = byteProgress(report, 'write', layout.fileSize);
  const pending = writeAll(out, head, 0);
  let position = layout.firstBlockOffset;
  const use = async (i: number, slot: Buffer): Promise<{ written: Promise<void> }> => {
    opts.signal?.throwIfAborted();
    // The BAT is written already: a block that turned to zeros would make it lie (vhd.md §4.1).
    if (slot.subarray(BITMAP_SIZE).equals(ZERO_BLOCK)) throw new IngotError('VHD_SOURCE_CHANGED', `block ${i} of the raw input was non-zero when scanned and is all zeros now`, {
      hint: 'The input changed while it was converted. Convert a disk that nothing writes to.',
    });
    hash.update(slot);
    const at = position;
    position += slot.length;
    tick(position);
    return { written: writeAll(out, slot, at) };
  };
  await wrapShort(readAhead(source, allocated, READ_AHEAD, Buffer.alloc(BITMAP_SIZE, 0xff), use));
  await pending;
  await writeAll(out, footer, position);
  hash.update(footer);
  tick(layout.fileSize);
  return { length: layout.fileSize, currentSize: layout.currentSize, allocatedBlocks: layout.allocatedBlocks, uuid, sha256: hash.digest('hex') };
}
