// Raw → dynamic VHD exactly as blktap's `vhd-util create` lays one out (vhd.md §1.8, §4.3): pass 1
// finds the non-zero blocks, so the length is known before pass 2 emits the first byte.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { silent, type Report } from '../cli/events.js';
import { IngotError } from '../errors/index.js';
import { setBit, testBit } from './batmap.js';
import { BITMAP_SIZE, BLOCK_SIZE, DISK_DYNAMIC, FEATURE_RESERVED, FOOTER_COOKIE, FOOTER_SIZE, FORMAT_VERSION, MAX_VIRTUAL_SIZE, TAP_CREATOR, TAP_VERSION, VHD_EPOCH, roundUp } from './constants.js';
import { encodeFooter } from './footer.js';
import { chs } from './geometry.js';
import { encodeMetadata, planLayout, type Layout } from './layout.js';
import { byteProgress } from './progress.js';
import type { Scanned } from './scan.js';
import { sharedSlot, startContentHash } from './content-hash.js';
import { readAhead, readBlocks, SourceShortError, type RawSource } from './source.js';

export interface WriteOptions {
  /** Same input bytes → same VHD bytes: timestamp from `sourceDateEpoch`, UUID from a content digest. */
  deterministic: boolean;
  /** Unix seconds (SOURCE_DATE_EPOCH); without it deterministic output uses 2000-01-01 (timestamp 0). */
  sourceDateEpoch?: number;
  /** Overrides the UUID (16 bytes), e.g. to keep a VDI's identity. */
  uuid?: Uint8Array;
  signal?: AbortSignal;
  /**
   * Pass 1's result, computed while the raw input was produced (reader.ts `scan`): prepareVhd then
   * reads the input once. Ignored when it lacks the digest deterministic output needs.
   */
  scanned?: Scanned;
}

export interface PreparedVhd {
  /** Exact byte count of `stream`, known before its first byte (Content-Length). */
  length: number;
  /** The VHD bytes; reads the source a second time. Consume it once. */
  stream: Readable;
  currentSize: number;
  allocatedBlocks: number;
  uuid: Uint8Array;
}

const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);

/** Blocks read ahead in pass 1 over a random-access source, and slots in flight to the hash worker. */
const SCAN_DEPTH = 4;

/** Pass 1: classifies blocks and, in deterministic mode, digests the disk content (in a worker, content-hash.ts). */
async function scan(source: RawSource, opts: WriteOptions, report: Report): Promise<{ alloc: Uint8Array; digest: Buffer | undefined }> {
  const count = Math.ceil(source.size / BLOCK_SIZE);
  const alloc = new Uint8Array(Math.ceil(count / 8) + 1);
  const hash = opts.deterministic && opts.uuid === undefined ? startContentHash(digestPreamble(source.size)) : undefined;
  const tick = byteProgress(report, 'scan', source.size);
  /** Block i is in `data`; resolves with what must settle before `data` is refilled. */
  const use = (i: number, data: Buffer): Promise<unknown> => {
    opts.signal?.throwIfAborted();
    tick(Math.min(source.size, (i + 1) * BLOCK_SIZE));
    if (data.equals(ZERO_BLOCK)) return Promise.resolve();
    setBit(alloc, i);
    const hashed = hash ? hash.add(i, data) : Promise.resolve();
    hashed.catch(() => undefined); // awaited before the slot is reused, or settled at the end
    return hashed;
  };
  try {
    if (source.kind === 'random') {
      await readAhead(source, source.mayHaveData ?? (() => true), SCAN_DEPTH, 0, async (i, slot) => ({ written: use(i, slot) }));
    } else {
      // A ring of shared slots: the next slot is handed to the reader only once its hash is done.
      const slots = Array.from({ length: SCAN_DEPTH }, () => sharedSlot(BLOCK_SIZE));
      const busy: Array<Promise<unknown>> = slots.map(() => Promise.resolve());
      let next = 0;
      let current = 0;
      const take = (): Buffer => slots[(current = next++ % SCAN_DEPTH)] as Buffer;
      try {
        for await (const i of readBlocks(source, () => true, take)) {
          busy[current] = use(i, slots[current] as Buffer);
          await busy[next % SCAN_DEPTH];
        }
      } finally {
        await Promise.allSettled(busy);
      }
    }
    return { alloc, digest: await hash?.digest() };
  } finally {
    await hash?.close();
  }
}

/**
 * The deterministic UUID digests the size (this preamble), then each non-zero block as its index
 * (8 bytes, big-endian) and its 2 MiB, in index order (content-hash.ts does the hashing).
 */
export const digestPreamble = (size: number): string => `ingot-vhd-v1 ${size}\n`;
/** The 8-byte block index before each block in the digest (the hash worker encodes it the same way). */
export function digestBlockIndex(scratch: Buffer, i: number): Buffer {
  scratch.writeBigUInt64BE(BigInt(i));
  return scratch;
}

/** A UUID from the content digest, marked as RFC 9562 version 8 (custom) so it is never all zero. */
export function uuidFrom(digest: Buffer): Uint8Array {
  const u = Uint8Array.from(digest.subarray(0, 16));
  u[6] = ((u[6] as number) & 0x0f) | 0x80;
  u[8] = ((u[8] as number) & 0x3f) | 0x80;
  return u;
}

export function randomUuid(): Uint8Array {
  const u = Uint8Array.from(randomBytes(16));
  u[6] = ((u[6] as number) & 0x0f) | 0x40;
  u[8] = ((u[8] as number) & 0x3f) | 0x80;
  return u;
}

/** VHD timestamp: seconds since 2000 (trap T7), clamped to the field's range. */
export function vhdTimestamp(opts: WriteOptions): number {
  const unix = opts.deterministic ? (opts.sourceDateEpoch ?? VHD_EPOCH) : Math.floor(Date.now() / 1000);
  return Math.min(0xffff_ffff, Math.max(0, unix - VHD_EPOCH));
}

export function buildFooter(layout: Layout, timestamp: number, uuid: Uint8Array): Buffer {
  return encodeFooter({
    cookie: FOOTER_COOKIE, features: FEATURE_RESERVED, formatVersion: FORMAT_VERSION, dataOffset: BigInt(FOOTER_SIZE),
    timestamp, creatorApp: TAP_CREATOR, creatorVersion: TAP_VERSION, creatorHostOs: 0,
    originalSize: layout.currentSize, currentSize: layout.currentSize, geometry: chs(layout.currentSize),
    diskType: DISK_DYNAMIC, uuid, savedState: 0, hidden: 0,
  });
}

/** Rejects sizes no dynamic VHD can hold. */
export function checkSize(size: number): void {
  if (size <= 0) throw new IngotError('VHD_INPUT_EMPTY', 'the raw input is empty (0 bytes); a VHD needs at least one sector', { hint: 'Check that the input path names the disk image.' });
  if (roundUp(size, BLOCK_SIZE) > MAX_VIRTUAL_SIZE) {
    throw new IngotError('VHD_TOO_LARGE', `the raw input is ${size} bytes; a dynamic VHD holds at most ${MAX_VIRTUAL_SIZE} bytes (2040 GiB)`, {
      hint: 'Shrink the disk (and its partitions) below 2040 GiB, or below 160 GiB for Rackspace.',
    });
  }
}

/** Runs pass 1 and returns the exact length and a stream that performs pass 2. */
export async function prepareVhd(source: RawSource, opts: WriteOptions, report: Report = silent): Promise<PreparedVhd> {
  checkSize(source.size);
  const needsDigest = opts.deterministic && opts.uuid === undefined;
  const given = opts.scanned !== undefined && (!needsDigest || opts.scanned.digest !== undefined) ? opts.scanned : undefined;
  const { alloc, digest } = given ?? (await wrapShort(scan(source, opts, report)));
  const layout = planLayout(source.size, (i) => testBit(alloc, i));
  const uuid = opts.uuid ?? (digest ? uuidFrom(digest) : randomUuid());
  const footer = buildFooter(layout, vhdTimestamp(opts), uuid);
  const head = Buffer.concat([footer, encodeMetadata(layout)]);
  const want = (i: number): boolean => testBit(alloc, i);

  /** Pass 2. Each block gets a fresh buffer (bitmap + data): a stream consumer may hold several. */
  async function* emit(): AsyncGenerator<Buffer> {
    yield head;
    const tick = byteProgress(report, 'write', layout.fileSize);
    let done = head.length;
    let out = Buffer.allocUnsafeSlow(0);
    const next = (): Buffer => {
      out = Buffer.allocUnsafeSlow(BITMAP_SIZE + BLOCK_SIZE);
      return out.subarray(BITMAP_SIZE);
    };
    for await (const i of wrapShortIter(readBlocks(source, want, next))) {
      opts.signal?.throwIfAborted();
      // Pass 2 must see what pass 1 saw, or the BAT already sent would lie (vhd.md §4.1, strategy A).
      if (out.subarray(BITMAP_SIZE).equals(ZERO_BLOCK)) throw sourceChanged(i);
      out.fill(0xff, 0, BITMAP_SIZE);
      done += out.length;
      tick(done);
      yield out;
    }
    done += footer.length;
    tick(done);
    yield footer;
  }
  return {
    length: layout.fileSize,
    stream: Readable.from(emit(), { objectMode: false, highWaterMark: BLOCK_SIZE }),
    currentSize: layout.currentSize,
    allocatedBlocks: layout.allocatedBlocks,
    uuid,
  };
}

function sourceChanged(block: number): IngotError {
  return new IngotError('VHD_SOURCE_CHANGED', `block ${block} of the raw input was non-zero when scanned and is all zeros now`, {
    hint: 'The input changed while it was converted. Convert a disk that nothing writes to (shut the VM down, or snapshot it).',
  });
}

function shortError(e: SourceShortError): IngotError {
  return new IngotError('VHD_SOURCE_CHANGED', `the raw input gave ${e.got} bytes but announced ${e.expected}`, {
    hint: 'The input changed size while it was converted; convert a disk that nothing writes to.',
    cause: e,
  });
}

export async function wrapShort<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw e instanceof SourceShortError ? shortError(e) : e;
  }
}

async function* wrapShortIter<T>(it: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* it;
  } catch (e) {
    throw e instanceof SourceShortError ? shortError(e) : e;
  }
}
