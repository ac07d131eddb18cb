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
import { sharedSlot, startContentHash, type ContentHash } from './content-hash.js';
import { readAhead, readBlocks, type RawSource } from './source.js';
import { buildFooter, checkSize, digestPreamble, randomUuid, uuidFrom, vhdTimestamp, wrapShort, type WriteOptions } from './writer.js';

export interface WrittenVhd {
  length: number;
  currentSize: number;
  allocatedBlocks: number;
  uuid: Uint8Array;
  /** SHA-256 of the file, when it was written in file order (pass 1 known: `opts.scanned`). */
  sha256?: string;
}

const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);
const RECORD = BITMAP_SIZE + BLOCK_SIZE;
/** Blocks read ahead of the one being stored: 4 × 2 MiB of buffers. */
const READ_AHEAD = 4;
/** Written bytes between background flushes (see Flusher). */
const FLUSH_EVERY = 128 * 1024 * 1024;

/**
 * Writes the VHD into the output file and returns its shape. Each block goes out as one record
 * (its sector bitmap, then its 2 MiB) at the offset the format gives it, through the page cache,
 * and the written part is flushed to disk in the background as the conversion goes on, so the
 * caller's final fsync has little left to do (docs/decisions.md, "VHD conversion speed").
 */
export async function writeVhdFile(source: RawSource, out: FileHandle, opts: WriteOptions, report: Report = silent): Promise<WrittenVhd> {
  checkSize(source.size);
  const needsDigest = opts.deterministic && opts.uuid === undefined;
  if (opts.scanned !== undefined && source.kind === 'random' && (!needsDigest || opts.scanned.digest !== undefined)) return writeInFileOrder(source, out, opts, opts.scanned, report);
  const hash = needsDigest ? startContentHash(digestPreamble(source.size)) : undefined;
  try {
    return await writeBlocks(source, out, opts, report, hash);
  } finally {
    await hash?.close();
  }
}

async function writeBlocks(source: RawSource, out: FileHandle, opts: WriteOptions, report: Report, hash: ContentHash | undefined): Promise<WrittenVhd> {
  const count = Math.ceil(source.size / BLOCK_SIZE);
  const alloc = new Uint8Array(Math.ceil(count / 8) + 1);
  // Metadata size depends only on the block count, so block offsets are known before the scan ends.
  let position = planLayout(source.size, () => false).firstBlockOffset;
  const tick = byteProgress(report, 'convert', source.size);
  const writer = new SerialWriter(out);
  /**
   * Takes block i (slot = bitmap room, then the block), in index order: once it resolves, the
   * block has its place and is queued for hashing; `written` settles when `slot` may be reused.
   */
  const use = async (i: number, slot: Buffer): Promise<{ written: Promise<unknown> }> => {
    opts.signal?.throwIfAborted();
    tick(Math.min(source.size, (i + 1) * BLOCK_SIZE));
    const data = slot.subarray(BITMAP_SIZE);
    if (data.equals(ZERO_BLOCK)) return { written: Promise.resolve() };
    setBit(alloc, i);
    slot.fill(0xff, 0, BITMAP_SIZE);
    const at = position;
    position += RECORD;
    const stored = writer.write(slot, at);
    const written = hash ? Promise.all([stored, hash.add(i, data)]) : stored;
    written.catch(() => undefined); // reported where the caller awaits it; not unhandled meanwhile
    return { written };
  };
  try {
    if (source.kind === 'random') {
      // Several reads in flight, overlapping the writes.
      await wrapShort(readAhead(source, source.mayHaveData ?? (() => true), READ_AHEAD, BITMAP_SIZE, use));
    } else {
      const slot = sharedSlot(RECORD);
      await wrapShort(
        (async () => {
          for await (const i of readBlocks(source, () => true, () => slot.subarray(BITMAP_SIZE))) await (await use(i, slot)).written;
        })(),
      );
    }
  } catch (error) {
    await writer.settle().catch(() => undefined /* the conversion's own error is the one to report */);
    throw error;
  }
  const layout = planLayout(source.size, (i) => testBit(alloc, i));
  const [digest] = await Promise.all([hash?.digest(), writer.settle()]);
  const uuid = opts.uuid ?? (digest ? uuidFrom(digest) : randomUuid());
  const footer = buildFooter(layout, vhdTimestamp(opts), uuid);
  if (position !== layout.fileSize - footer.length) throw new Error(`blocks end at ${position}, planned ${layout.fileSize - footer.length}`);
  await writeAll(out, footer, position);
  await writeAll(out, Buffer.concat([footer, encodeMetadata(layout)]), 0);
  tick(source.size);
  return { length: layout.fileSize, currentSize: layout.currentSize, allocatedBlocks: layout.allocatedBlocks, uuid };
}

/**
 * Writes records one at a time, and starts an fdatasync whenever FLUSH_EVERY more bytes were
 * written and none is running, so the disk writes back while the conversion goes on instead of
 * all at once in the final fsync (Node has no sync_file_range). One write at a time, because
 * buffered writes to one file take its inode lock: on the benchmark VM, four writers queued on it
 * spun for the CPU the reads and the hash needed (docs/performance.md).
 */
class SerialWriter {
  private last: Promise<unknown> = Promise.resolve();
  private end = 0;
  private flushed = 0;
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  constructor(private readonly out: FileHandle) {}

  /** Queues `b` for `position`; resolves once it is written (so `b` may be reused). */
  write(b: Buffer, position: number): Promise<void> {
    const done = this.last.then(() => writeAll(this.out, b, position));
    this.last = done.catch(() => undefined); // the failure reaches this call's caller
    return done.then(() => this.wrote(position + b.length));
  }

  private wrote(end: number): void {
    this.end = Math.max(this.end, end);
    if (this.flushing || this.end - this.flushed < FLUSH_EVERY) return;
    this.flushed = this.end;
    this.flushing = this.out.datasync().then(
      () => void (this.flushing = undefined),
      (e: unknown) => void ((this.failure ??= e), (this.flushing = undefined)),
    );
  }

  /** Waits for the writes and the flush in flight; throws the first flush error. */
  async settle(): Promise<void> {
    await this.last;
    await this.flushing;
    if (this.failure !== undefined) throw this.failure;
  }
}

/**
 * Pass 1 already known (`opts.scanned`): the metadata is final before the first block, so the file
 * is written front to back — the same bytes — and hashed as it goes; blocks still come through
 * readAhead (several reads in flight, writes overlapping them, one at a time).
 */
async function writeInFileOrder(source: Extract<RawSource, { kind: 'random' }>, out: FileHandle, opts: WriteOptions, scanned: Scanned, report: Report): Promise<WrittenVhd> {
  const allocated = (i: number): boolean => testBit(scanned.alloc, i);
  const layout = planLayout(source.size, allocated);
  const uuid = opts.uuid ?? (scanned.digest ? uuidFrom(scanned.digest) : randomUuid());
  const footer = buildFooter(layout, vhdTimestamp(opts), uuid);
  const head = Buffer.concat([footer, encodeMetadata(layout)]);
  const hash = createHash('sha256').update(head);
  const tick = byteProgress(report, 'write', layout.fileSize);
  const writer = new SerialWriter(out);
  const pending = writer.write(head, 0);
  let position = layout.firstBlockOffset;
  const use = async (i: number, slot: Buffer): Promise<{ written: Promise<void> }> => {
    opts.signal?.throwIfAborted();
    slot.fill(0xff, 0, BITMAP_SIZE); // the slot is the record: bitmap, then the block read after it
    // The BAT is written already: a block that turned to zeros would make it lie (vhd.md §4.1).
    if (slot.subarray(BITMAP_SIZE).equals(ZERO_BLOCK)) throw new IngotError('VHD_SOURCE_CHANGED', `block ${i} of the raw input was non-zero when scanned and is all zeros now`, {
      hint: 'The input changed while it was converted. Convert a disk that nothing writes to.',
    });
    hash.update(slot);
    const at = position;
    position += slot.length;
    tick(position);
    return { written: writer.write(slot, at) };
  };
  try {
    await wrapShort(readAhead(source, allocated, READ_AHEAD, BITMAP_SIZE, use));
    await pending;
  } catch (error) {
    await writer.settle().catch(() => undefined /* the conversion's own error is the one to report */);
    throw error;
  }
  await writer.settle();
  await writeAll(out, footer, position);
  hash.update(footer);
  tick(layout.fileSize);
  return { length: layout.fileSize, currentSize: layout.currentSize, allocatedBlocks: layout.allocatedBlocks, uuid, sha256: hash.digest('hex') };
}

async function writeAll(fh: FileHandle, b: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < b.length) done += (await fh.write(b, done, b.length - done, position + done)).bytesWritten;
}
