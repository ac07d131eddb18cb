// VHD (dynamic or fixed) → raw. One forward-only path serves files and non-seekable streams (an
// HTTP PUT body): the BAT is read first, then blocks are visited in *physical* order, so blocks
// stored out of index order need no spooling — each is written at its own offset of the sparse
// raw target. Memory: the BAT (≤ 16 MiB, see MAX_ENTRIES) plus one block.
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { silent, type Report } from '../cli/events.js';
import { IngotError } from '../errors/index.js';
import { testBit } from './batmap.js';
import { ByteReader } from './byte-reader.js';
import { BLOCK_SIZE, DISK_DYNAMIC, DISK_FIXED, FOOTER_COOKIE, FOOTER_SIZE, HEADER_COOKIE, HEADER_SIZE, SECTOR, UNUSED, roundUp } from './constants.js';
import { decodeFooter, footerChecksum, type Footer } from './footer.js';
import { decodeHeader, headerChecksum } from './header.js';
import { byteProgress } from './progress.js';
import { BlockScan, type Scanned } from './scan.js';

/** 4 Mi BAT entries (16 MiB) covers 2040 GiB with 512 KiB blocks; more is hostile, not a disk. */
export const MAX_ENTRIES = 4 * 1024 * 1024;
const MAX_BLOCK = 2 * 1024 * 1024;

export interface RawResult {
  /** Virtual size written to the target (its length). */
  size: number;
  footer: Footer;
  /** Bytes actually written (non-zero data); the rest of the target is holes. */
  dataBytes: number;
  /**
   * With `scan`: the writer's pass 1 (which blocks hold data, the deterministic digest), computed
   * on the bytes as they went by, so writing a VHD from the raw target needs no scan of its own.
   * Absent when the stream did not allow it (other block size, blocks out of index order).
   */
  scan?: Scanned;
}

const invalid = (what: string, found: string, expected: string): IngotError =>
  new IngotError('VHD_INVALID', `the VHD ${what}: found ${found}, expected ${expected}`, {
    hint: "Run 'ingot check' on the file for every finding and its fix.",
    details: { found, expected },
  });

/** Writes the disk in the VHD file at `vhdPath` to a sparse raw file at `rawPath`. */
export async function vhdToRawFile(vhdPath: string, rawPath: string, report: Report = silent): Promise<RawResult> {
  return vhdStreamToRawFile(createReadStream(vhdPath, { highWaterMark: 1024 * 1024 }), rawPath, report);
}

export interface StreamReadOptions {
  /**
   * Write into an existing file (a VDI) instead of creating one: its size is kept and must be at
   * least the virtual size, and only data is written — like XAPI's importer, which assumes a
   * freshly zeroed VDI (vhd.md §3.7). Default: create or truncate `rawPath`, sparse.
   */
  existing?: boolean;
  /** Compute `RawResult.scan` (digest only when `deterministic`). */
  scan?: { deterministic: boolean };
}

/**
 * Writes the disk carried by a VHD byte stream to a sparse raw file. A fixed VHD (no footer copy at
 * offset 0) is copied through and its trailing footer checked. `length` (Content-Length) only
 * improves progress reports.
 */
export async function vhdStreamToRawFile(stream: AsyncIterable<Uint8Array>, rawPath: string, report: Report = silent, length?: number, opts: StreamReadOptions = {}): Promise<RawResult> {
  const input = new ByteReader(stream);
  const target = await open(rawPath, opts.existing ? 'r+' : 'w+');
  try {
    const capacity = opts.existing ? (await target.stat()).size : Infinity;
    const first = Buffer.alloc(FOOTER_SIZE);
    const got = await input.read(first);
    const isDynamic = got === FOOTER_SIZE && first.toString('latin1', 0, 8) === FOOTER_COOKIE;
    const r = isDynamic ? await dynamic(input, first, target, report, capacity, length, opts.scan) : await fixed(input, first.subarray(0, got), target, report, capacity, length);
    if (!opts.existing) await target.truncate(r.size);
    return r;
  } finally {
    await target.close();
  }
}

function checkCapacity(footer: Footer, capacity: number): void {
  if (footer.currentSize > capacity) {
    throw new IngotError('VHD_INVALID', `the VHD's disk is ${footer.currentSize} bytes but the target holds only ${capacity}`, {
      hint: 'Resize the target (VDI) to at least the VHD\'s virtual size first.',
      details: { found: capacity, expected: footer.currentSize },
    });
  }
}

function checkFooter(buf: Buffer, where: string): Footer {
  const f = decodeFooter(buf);
  if (f.cookie !== FOOTER_COOKIE) throw invalid(`footer at ${where} has a bad cookie`, JSON.stringify(f.cookie), '"conectix"');
  if (f.checksum !== footerChecksum(buf)) throw invalid(`footer at ${where} has a bad checksum`, hex(f.checksum), hex(footerChecksum(buf)));
  return f;
}

async function dynamic(input: ByteReader, first: Buffer, target: FileHandle, report: Report, capacity: number, length?: number, scanWanted?: { deterministic: boolean }): Promise<RawResult> {
  const footer = checkFooter(first, 'offset 0');
  checkCapacity(footer, capacity);
  if (footer.diskType !== DISK_DYNAMIC) throw invalid('has an unsupported disk type', String(footer.diskType), `${DISK_DYNAMIC} (dynamic)`);
  const headerAt = Number(footer.dataOffset);
  if (!(await input.skipTo(headerAt))) throw invalid('ends before its header', `EOF at ${input.position}`, `a header at ${headerAt}`);
  const hbuf = Buffer.alloc(HEADER_SIZE);
  if ((await input.read(hbuf)) !== HEADER_SIZE) throw invalid('ends inside its header', `EOF at ${input.position}`, `${HEADER_SIZE} bytes`);
  const header = decodeHeader(hbuf);
  if (header.cookie !== HEADER_COOKIE) throw invalid('header has a bad cookie', JSON.stringify(header.cookie), '"cxsparse"');
  if (header.checksum !== headerChecksum(hbuf)) throw invalid('header has a bad checksum', hex(header.checksum), hex(headerChecksum(hbuf)));
  const bs = header.blockSize;
  if (bs < SECTOR || bs > MAX_BLOCK || (bs & (bs - 1)) !== 0) throw invalid('block size is unsupported', String(bs), 'a power of two from 512 to 2 MiB');
  const needed = Math.ceil(footer.currentSize / bs);
  if (header.maxTableEntries < needed || header.maxTableEntries > MAX_ENTRIES) throw invalid('BAT size does not fit the disk', String(header.maxTableEntries), `${needed}..${MAX_ENTRIES} entries`);
  if (header.tableOffset < input.position) throw invalid('BAT is before the end of the header (a stream reads forward only)', String(header.tableOffset), `>= ${input.position}`);
  await input.skipTo(header.tableOffset);
  const bat = Buffer.alloc(header.maxTableEntries * 4);
  if ((await input.read(bat)) !== bat.length) throw invalid('ends inside its BAT', `EOF at ${input.position}`, `${bat.length} bytes of BAT`);

  // Visit allocated blocks in physical order (vhd.md §1.6: "blocks may appear in any order").
  const order: number[] = [];
  for (let i = 0; i < needed; i++) if (bat.readUInt32BE(i * 4) !== UNUSED) order.push(i);
  order.sort((a, b) => bat.readUInt32BE(a * 4) - bat.readUInt32BE(b * 4));
  const bitmapBytes = roundUp(bs / SECTOR / 8, SECTOR);
  const bitmap = Buffer.alloc(bitmapBytes);
  const data = Buffer.alloc(bs);
  const zero = Buffer.alloc(bs);
  const tick = byteProgress(report, 'read', length ?? footer.currentSize);
  let dataBytes = 0;
  // The writer's scan sees 2 MiB blocks in index order; a stream laid out that way can feed it.
  let scan = scanWanted !== undefined && bs === BLOCK_SIZE ? new BlockScan(footer.currentSize, scanWanted.deterministic) : undefined;
  for (const i of order) {
    const at = bat.readUInt32BE(i * 4) * SECTOR;
    if (at < input.position) throw invalid(`block ${i} overlaps metadata or another block`, `offset ${at}`, `>= ${input.position}`);
    await input.skipTo(at);
    if ((await input.read(bitmap)) + (await input.read(data)) !== bitmapBytes + bs) throw invalid(`ends inside block ${i}`, `EOF at ${input.position}`, `${bitmapBytes + bs} bytes at ${at}`);
    // Clear bitmap bits mean "zero" in a dynamic disk (spec; libvhdi and tapdisk agree, vhd.md §1.6).
    for (let s = 0; s < bs / SECTOR; s++) if (!testBit(bitmap, s)) data.fill(0, s * SECTOR, (s + 1) * SECTOR);
    const keep = Math.min(bs, footer.currentSize - i * bs);
    if (keep > 0 && !data.subarray(0, keep).equals(zero.subarray(0, keep))) {
      await writeAll(target, data.subarray(0, keep), i * bs);
      dataBytes += keep;
      if (scan !== undefined && !scan.add(i, data, keep)) scan = undefined;
    }
    tick(length === undefined ? Math.min(footer.currentSize, (i + 1) * bs) : input.position);
  }
  const tail = await input.tail(FOOTER_SIZE);
  if (tail.length < FOOTER_SIZE || !tail.equals(first)) throw invalid('trailing footer differs from the copy at offset 0', tail.length < FOOTER_SIZE ? 'a truncated file' : 'different bytes', 'byte-identical footers');
  tick(length ?? footer.currentSize);
  return { size: footer.currentSize, footer, dataBytes, ...(scan ? { scan: scan.result() } : {}) };
}

async function fixed(input: ByteReader, first: Buffer, target: FileHandle, report: Report, capacity: number, length?: number): Promise<RawResult> {
  // Copy everything but the last 512 bytes (held back: they are the footer), skipping zero chunks.
  const chunk = Buffer.alloc(1024 * 1024);
  const zero = Buffer.alloc(chunk.length + FOOTER_SIZE);
  let carry = Buffer.from(first);
  let total = 0;
  let dataBytes = 0;
  const tick = byteProgress(report, 'read', length ?? 0);
  for (;;) {
    const n = await input.read(chunk);
    if (n === 0) break;
    const all = Buffer.concat([carry, chunk.subarray(0, n)]);
    const out = all.subarray(0, Math.max(0, all.length - FOOTER_SIZE));
    carry = Buffer.from(all.subarray(out.length));
    if (total + out.length > capacity) throw invalid('fixed disk is larger than the target', `more than ${capacity} bytes`, `<= ${capacity}`);
    if (out.length > 0 && !out.equals(zero.subarray(0, out.length))) {
      await writeAll(target, out, total);
      dataBytes += out.length;
    }
    total += out.length;
    if (length !== undefined) tick(total + carry.length);
  }
  if (carry.length < FOOTER_SIZE) throw invalid('is too short', `${total + carry.length} bytes`, 'at least one 512-byte footer');
  const footer = checkFooter(carry, `end of file (${total})`);
  if (footer.diskType !== DISK_FIXED) throw invalid('has no footer copy at offset 0, so it must be fixed', `disk type ${footer.diskType}`, `${DISK_FIXED} (fixed)`);
  if (footer.currentSize !== total) throw invalid('fixed disk size does not match its file size', `${total} data bytes`, `${footer.currentSize} (current_size)`);
  checkCapacity(footer, capacity);
  return { size: footer.currentSize, footer, dataBytes };
}

async function writeAll(fh: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) done += (await fh.write(buf, done, buf.length - done, position + done)).bytesWritten;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
