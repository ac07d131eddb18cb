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
import { openBlockSink, recordAt, SLOT_SIZE } from './block-sink.js';
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
 * Writes the VHD into the output file and returns its shape. Blocks go through O_DIRECT when
 * `files.direct` is given and works (block-sink.ts), else they are flushed to disk in the
 * background as they are written; either way the caller's final fsync has little left to do.
 */
/** The output file, opened for ordinary writes, and if the file system allows, also with O_DIRECT. */
export interface OutputFiles {
  out: FileHandle;
  direct?: Pick<FileHandle, 'write'>;
}

export async function writeVhdFile(source: RawSource, files: OutputFiles, opts: WriteOptions, report: Report = silent): Promise<WrittenVhd> {
  checkSize(source.size);
  const needsDigest = opts.deterministic && opts.uuid === undefined;
  if (opts.scanned !== undefined && source.kind === 'random' && (!needsDigest || opts.scanned.digest !== undefined)) return writeInFileOrder(source, files.out, opts, opts.scanned, report);
  const hash = opts.deterministic && opts.uuid === undefined ? startContentHash(digestPreamble(source.size)) : undefined;
  try {
    return await writeBlocks(source, files, opts, report, hash);
  } finally {
    await hash?.close();
  }
}

async function writeBlocks(source: RawSource, files: OutputFiles, opts: WriteOptions, report: Report, hash: ContentHash | undefined): Promise<WrittenVhd> {
  const count = Math.ceil(source.size / BLOCK_SIZE);
  const alloc = new Uint8Array(Math.ceil(count / 8) + 1);
  // Metadata size depends only on the block count, so block offsets are known before the scan ends.
  const firstBlock = planLayout(source.size, () => false).firstBlockOffset;
  const tick = byteProgress(report, 'convert', source.size);
  const sink = openBlockSink(files.out, files.direct, firstBlock);
  const flusher = new Flusher(files.out);
  let taken = 0;
  /**
   * Takes block i (its 2 MiB at slot[at…]), in index order: once it resolves, the block has its
   * place and is queued for hashing; `written` settles when `slot` may be reused.
   */
  const use = async (i: number, slot: Buffer, at: number): Promise<{ written: Promise<unknown> }> => {
    opts.signal?.throwIfAborted();
    taken++;
    tick(Math.min(source.size, (i + 1) * BLOCK_SIZE));
    if (slot.subarray(at, at + BLOCK_SIZE).equals(ZERO_BLOCK)) return { written: Promise.resolve() };
    setBit(alloc, i);
    slot.fill(0xff, at - BITMAP_SIZE, at);
    const appended = sink.append(slot, at - BITMAP_SIZE);
    // Direct writes are on the disk already; buffered ones are flushed as they accumulate.
    if (!sink.direct) flusher.wrote(sink.position);
    const data = slot.subarray(appended.at + BITMAP_SIZE, appended.at + BITMAP_SIZE + BLOCK_SIZE);
    const written = hash ? Promise.all([appended.written, hash.add(i, data)]) : appended.written;
    written.catch(() => undefined); // reported where the caller awaits it; not unhandled meanwhile
    return { written };
  };
  /** Where the j-th block read goes, assuming the blocks read before it but not yet taken have data. */
  const place = (j: number): number => recordAt(sink.position + (j - taken) * RECORD) + BITMAP_SIZE;
  try {
    if (source.kind === 'random') {
      // Several reads in flight, overlapping the writes and the hashing.
      await wrapShort(readAhead(source, source.mayHaveData ?? (() => true), READ_AHEAD, SLOT_SIZE, place, use));
    } else {
      const slot = sharedSlot(SLOT_SIZE);
      let at = 0;
      await wrapShort(
        (async () => {
          for await (const i of readBlocks(source, () => true, () => slot.subarray((at = place(taken))))) await (await use(i, slot, at)).written;
        })(),
      );
    }
  } catch (error) {
    await flusher.settle().catch(() => undefined /* the conversion's own error is the one to report */);
    throw error;
  }
  const layout = planLayout(source.size, (i) => testBit(alloc, i));
  const [digest] = await Promise.all([hash?.digest(), flusher.settle()]);
  const uuid = opts.uuid ?? (digest ? uuidFrom(digest) : randomUuid());
  const footer = buildFooter(layout, vhdTimestamp(opts), uuid);
  if (sink.position !== layout.fileSize - footer.length) throw new Error(`blocks end at ${sink.position}, planned ${layout.fileSize - footer.length}`);
  await sink.finish(Buffer.concat([footer, encodeMetadata(layout)]), footer);
  tick(source.size);
  return { length: layout.fileSize, currentSize: layout.currentSize, allocatedBlocks: layout.allocatedBlocks, uuid };
}

/**
 * Starts an fdatasync whenever FLUSH_EVERY more bytes were written and none is running: the disk
 * writes back while the conversion goes on, instead of all at once in the final fsync (which was
 * 1.6 s of an otherwise idle wait for 2 GiB on the benchmark VM). Node has no sync_file_range.
 */
class Flusher {
  private flushed = 0;
  private running: Promise<void> | undefined;
  private failure: unknown;
  constructor(private readonly out: FileHandle) {}

  wrote(end: number): void {
    if (this.running || end - this.flushed < FLUSH_EVERY) return;
    this.flushed = end;
    this.running = this.out.datasync().then(
      () => void (this.running = undefined),
      (e: unknown) => void ((this.failure ??= e), (this.running = undefined)),
    );
  }

  /** Waits for the flush in flight; throws the first flush error. */
  async settle(): Promise<void> {
    await this.running;
    if (this.failure !== undefined) throw this.failure;
  }
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
    slot.fill(0xff, 0, BITMAP_SIZE); // the slot is the record: bitmap, then the block read after it
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
  await wrapShort(readAhead(source, allocated, READ_AHEAD, RECORD, () => BITMAP_SIZE, use));
  await pending;
  await writeAll(out, footer, position);
  hash.update(footer);
  tick(layout.fileSize);
  return { length: layout.fileSize, currentSize: layout.currentSize, allocatedBlocks: layout.allocatedBlocks, uuid, sha256: hash.digest('hex') };
}

async function writeAll(fh: FileHandle, b: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < b.length) done += (await fh.write(b, done, b.length - done, position + done)).bytesWritten;
}
