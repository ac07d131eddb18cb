// BAT, batmap and block rules: vhd.md §3.1 rules 31–35 plus the strict additions (§3.1 Q3, §6 #55–56):
// every allocated entry is range- and overlap-checked, including a partial last block.
import { batmapChecksum, batmapChecksumLength, decodeBatmapHeader, testBit } from './batmap.js';
import { hex32, type CheckContext } from './check-context.js';
import { BATMAP_HEADER_SIZE, BATMAP_VERSION, BLOCK_SIZE, DISK_DIFFERENCING, HEADER_SIZE, SECTOR, UNUSED, roundUp } from './constants.js';
import type { Footer } from './footer.js';
import type { Header } from './header.js';

/** Entries beyond this are not read: 4 Mi entries (16 MiB) already describe 2040 GiB in 512 KiB blocks. */
const MAX_ENTRIES = 4 * 1024 * 1024;
const MAX_MAP = MAX_ENTRIES / 8;
const ZERO_SECTOR = Buffer.alloc(SECTOR);

export interface BlockSummary {
  allocatedBlocks: number;
}

export async function checkBlocks(ctx: CheckContext, footer: Footer, h: Header): Promise<BlockSummary> {
  const bs = h.blockSize;
  const needed = Math.ceil(footer.currentSize / bs);
  const readable = Math.max(0, Math.min(h.maxTableEntries, Math.floor((ctx.footerAt - h.tableOffset) / 4), MAX_ENTRIES));
  const bat = await ctx.read(h.tableOffset, readable * 4);
  const entries = bat.length >> 2;
  const batEnd = h.tableOffset + roundUp(h.maxTableEntries * 4, SECTOR);
  let eoh = Math.max(Number(footer.dataOffset) + HEADER_SIZE, batEnd);
  eoh = Math.max(eoh, await checkBatmap(ctx, footer, h, bat, batEnd));
  if (footer.diskType === DISK_DIFFERENCING) {
    for (const l of h.locators) if (l.platformCode !== 0) eoh = Math.max(eoh, l.dataOffset + l.dataSpace * SECTOR);
  }

  const bitmapBytes = roundUp(bs / SECTOR / 8, SECTOR);
  const span = bitmapBytes + bs;
  const valid: number[] = [];
  let allocated = 0;
  let maxEnd = eoh;
  for (let i = 0; i < entries; i++) {
    const sector = bat.readUInt32BE(i * 4);
    if (sector === UNUSED) continue;
    allocated++;
    const start = sector * SECTOR;
    if (i >= needed) ctx.add('bat.beyond-disk', h.tableOffset + i * 4, `entry ${i} = sector ${sector}`, `${hex32(UNUSED)} (the disk has ${needed} blocks)`);
    if (start < eoh) ctx.add('bat.clobbers-metadata', h.tableOffset + i * 4, `block ${i} at ${start}`, `>= ${eoh} (end of metadata)`);
    else if (start + span > ctx.footerAt) ctx.add('bat.clobbers-footer', h.tableOffset + i * 4, `block ${i} at ${start}..${start + span}`, `ending by ${ctx.footerAt} (the trailing footer)`);
    else {
      valid.push(i);
      maxEnd = Math.max(maxEnd, start + span);
    }
  }
  const startOf = (i: number): number => bat.readUInt32BE(i * 4) * SECTOR;
  valid.sort((a, b) => startOf(a) - startOf(b));
  for (let k = 1; k < valid.length; k++) {
    const prev = valid[k - 1] as number;
    const cur = valid[k] as number;
    if (startOf(cur) < startOf(prev) + span) {
      ctx.add('bat.overlap', h.tableOffset + cur * 4, `block ${cur} at ${startOf(cur)} inside block ${prev} at ${startOf(prev)}..${startOf(prev) + span}`, 'disjoint blocks');
    }
  }
  if (ctx.footerAt > maxEnd && !ctx.has('bat.clobbers-footer')) {
    ctx.add('layout.trailing-gap', maxEnd, `${ctx.footerAt - maxEnd} unused bytes`, '0: the footer right after the last block');
  }
  await checkBitmaps(ctx, footer, bs, bitmapBytes, valid, startOf);
  return { allocatedBlocks: allocated };
}

/** blktap's batmap (vhd.md §1.7); returns the end of the batmap, or 0 when there is none. */
async function checkBatmap(ctx: CheckContext, footer: Footer, h: Header, bat: Buffer, at: number): Promise<number> {
  const tap = footer.creatorApp.startsWith('tap');
  const required = tap && footer.creatorVersion >= 0x0001_0002;
  const probed = tap && footer.creatorVersion === 0x0001_0001;
  if (!required && !probed) return 0;
  const buf = await ctx.read(at, BATMAP_HEADER_SIZE);
  if (buf.length < BATMAP_HEADER_SIZE || buf.toString('latin1', 0, 8) !== 'tdbatmap') {
    if (required) ctx.add('batmap.missing', at, buf.length < 8 ? 'end of file' : JSON.stringify(buf.toString('latin1', 0, 8)), `a "tdbatmap" header at ${at}, right after the BAT`);
    return 0;
  }
  const m = decodeBatmapHeader(buf);
  if (m.batmapVersion > BATMAP_VERSION) ctx.add('batmap.version', at + 20, hex32(m.batmapVersion), `<= ${hex32(BATMAP_VERSION)}`);
  if (m.batmapSize === 0 || m.batmapSize * 4096 < h.maxTableEntries) {
    ctx.add('batmap.size', at + 16, `${m.batmapSize} sectors`, `>= ${Math.max(1, Math.ceil(h.maxTableEntries / 4096))} sectors`);
    return at + BATMAP_HEADER_SIZE;
  }
  const end = m.batmapOffset + m.batmapSize * SECTOR;
  if (m.batmapOffset === 0 || m.batmapOffset % SECTOR !== 0 || m.batmapOffset < at + BATMAP_HEADER_SIZE || end > ctx.footerAt) {
    ctx.add('batmap.offset', at + 8, `${m.batmapOffset}..${end}`, `a sector-aligned map after its header, ending by ${ctx.footerAt}`);
    return at + BATMAP_HEADER_SIZE;
  }
  const map = await ctx.read(m.batmapOffset, Math.min(m.batmapSize * SECTOR, MAX_MAP));
  const sum = batmapChecksum(map, footer.currentSize);
  if (map.length < batmapChecksumLength(footer.currentSize) || sum !== m.checksum) ctx.add('batmap.checksum', at + 24, hex32(m.checksum), hex32(sum));
  const entries = Math.min(bat.length >> 2, map.length * 8);
  for (let i = 0; i < entries; i++) {
    if (testBit(map, i) && bat.readUInt32BE(i * 4) === UNUSED) ctx.add('batmap.unallocated-full', m.batmapOffset + (i >> 3), `bit ${i} set`, `clear: BAT entry ${i} is unallocated`);
  }
  return end;
}

/** Clear bitmap bits promise zero sectors (spec; `vhd-util check -b`); one block in memory at a time. */
async function checkBitmaps(ctx: CheckContext, footer: Footer, bs: number, bitmapBytes: number, blocks: number[], startOf: (i: number) => number): Promise<void> {
  // Larger blocks are already an error (header.block-size-xen); reading one could take gigabytes.
  if (bs > BLOCK_SIZE) return;
  const sectorsPerBlock = bs / SECTOR;
  for (const i of blocks) {
    const start = startOf(i);
    const bitmap = await ctx.read(start, bitmapBytes);
    const inDisk = Math.max(0, Math.min(sectorsPerBlock, Math.ceil((footer.currentSize - i * bs) / SECTOR)));
    let full = true;
    for (let s = 0; s < inDisk && full; s++) full = testBit(bitmap, s);
    if (full) continue;
    const data = await ctx.read(start + bitmapBytes, inDisk * SECTOR);
    for (let s = 0; s < inDisk; s++) {
      if (testBit(bitmap, s)) continue;
      if (!data.subarray(s * SECTOR, (s + 1) * SECTOR).equals(ZERO_SECTOR)) {
        ctx.add('block.bitmap-clear-data', start + bitmapBytes + s * SECTOR, `data in sector ${s} of block ${i}`, 'zeros (its bitmap bit is clear)');
        break;
      }
    }
  }
}
