// The malformed-VHD corpus (vhd.md §6): each case mutates the valid base VHD in one way and names
// the rule(s) `ingot check` must report. Checksums are recomputed unless the case is about them.
import { resealFooter } from '../../../src/vhd/footer.js';
import { resealHeader } from '../../../src/vhd/header.js';
import { batmapChecksum } from '../../../src/vhd/batmap.js';
import type { RuleId } from '../../../src/vhd/rules.js';

export interface Case {
  name: string;
  /** Every rule that must be reported. */
  rules: RuleId[];
  verdict: 'fail' | 'pass';
  mutate(vhd: Buffer): Buffer;
  /** Options for the checker (size limit, clock). */
  check?: { maxSize?: number };
}

const H = 512; // header offset
const BAT = 1536;
const BATMAP = 2048;
const MAP = 2560;
const FOOT = (b: Buffer): number => b.length - 512;
const batAt = (i: number): number => BAT + 4 * i;
export const NOW = 1_750_000_000; // the checker's clock in corpus tests (2025)

/** Applies `fn` to both footer copies and reseals them (they stay identical). */
function footer(fn: (f: Buffer) => void): (b: Buffer) => Buffer {
  return (b) => {
    const f = Buffer.from(b.subarray(FOOT(b)));
    fn(f);
    resealFooter(f);
    f.copy(b, 0);
    f.copy(b, FOOT(b));
    return b;
  };
}

function header(fn: (h: Buffer) => void, reseal = true): (b: Buffer) => Buffer {
  return (b) => {
    const h = b.subarray(H, H + 1024);
    fn(h);
    if (reseal) resealHeader(h);
    return b;
  };
}

function batmapReseal(b: Buffer): void {
  const size = Number(b.readBigUInt64BE(FOOT(b) + 48));
  b.writeUInt32BE(batmapChecksum(b.subarray(MAP, MAP + 512), size), BATMAP + 24);
}

const fail = (name: string, rules: RuleId[], mutate: (b: Buffer) => Buffer, check?: Case['check']): Case => ({ name, rules, verdict: 'fail', mutate, ...(check ? { check } : {}) });
const warn = (name: string, rules: RuleId[], mutate: (b: Buffer) => Buffer): Case => ({ name, rules, verdict: 'pass', mutate });

export const CASES: Case[] = [
  fail('trailing footer cookie conectiX', ['footer.cookie'], (b) => (b.write('X', FOOT(b) + 7, 'latin1'), b)),
  fail('footer checksum wrong in both copies', ['footer.checksum'], (b) => {
    b.writeUInt32BE((b.readUInt32BE(FOOT(b) + 64) + 1) >>> 0, FOOT(b) + 64);
    b.writeUInt32BE((b.readUInt32BE(64) + 1) >>> 0, 64);
    return b;
  }),
  fail('footer copy has another UUID', ['footer.copy-mismatch'], (b) => {
    b[68] = (b[68] as number) ^ 0xff;
    resealFooter(b.subarray(0, 512));
    return b;
  }),
  fail('features 0', ['footer.features-reserved'], footer((f) => f.writeUInt32BE(0, 8))),
  fail('features 6', ['footer.features-extra'], footer((f) => f.writeUInt32BE(6, 8))),
  fail('format version 1.1', ['footer.version'], footer((f) => f.writeUInt32BE(0x00010001, 12))),
  fail('dynamic with data offset all ones', ['footer.data-offset', 'header.missing'], footer((f) => f.writeBigUInt64BE(0xffffffffffffffffn, 16))),
  fail('data offset 1024 (no header there)', ['footer.data-offset', 'header.cookie'], footer((f) => f.writeBigUInt64BE(1024n, 16))),
  fail('data offset past the end of the file', ['header.missing'], footer((f) => f.writeBigUInt64BE(1n << 40n, 16))),
  fail('timestamp a day in the future', ['footer.timestamp-future'], footer((f) => f.writeUInt32BE(NOW - 946684800 + 86400, 24))),
  fail('Unix-epoch timestamp (trap T7)', ['footer.timestamp-future'], footer((f) => f.writeUInt32BE(NOW, 24))),
  fail('disk type 5', ['footer.type'], footer((f) => f.writeUInt32BE(5, 60))),
  fail('differencing disk', ['footer.differencing'], footer((f) => f.writeUInt32BE(4, 60))),
  fail('geometry one cylinder too big', ['footer.geometry'], footer((f) => f.writeUInt16BE(f.readUInt16BE(56) + 1, 56))),
  fail('geometry 65535/16/255 (qemu force_size)', ['footer.geometry'], footer((f) => (f.writeUInt16BE(65535, 56), f.writeUInt8(16, 58), f.writeUInt8(255, 59)))),
  fail('saved state 2', ['footer.saved'], footer((f) => (f[84] = 2))),
  fail('saved state 1', ['footer.saved'], footer((f) => (f[84] = 1))),
  fail('hidden 2', ['footer.hidden'], footer((f) => (f[85] = 2))),
  fail('hidden 1', ['footer.hidden'], footer((f) => (f[85] = 1))),
  fail('reserved byte 200', ['footer.reserved'], footer((f) => (f[200] = 1))),
  fail('reserved byte 86 (blktap misses it, Q1)', ['footer.reserved'], footer((f) => (f[86] = 1))),
  fail('null UUID', ['footer.uuid-null'], footer((f) => f.fill(0, 68, 84))),
  fail('current size not a multiple of 512', ['footer.size-alignment'], footer((f) => f.writeBigUInt64BE(8n * 1048576n - 100n, 48))),
  fail('original size larger than current size', ['footer.original-size'], footer((f) => f.writeBigUInt64BE(9n * 1048576n, 40))),
  fail('current size beyond the BAT', ['header.max-entries'], footer((f) => f.writeBigUInt64BE(10n * 1048576n, 48))),
  fail('current size over 2040 GiB', ['footer.size-max', 'header.max-entries'], footer((f) => f.writeBigUInt64BE(2041n << 30n, 48))),
  fail('tap creator version 1.4', ['footer.tap-version'], footer((f) => f.writeUInt32BE(0x00010004, 32))),
  fail('tap creator version 0.1', ['footer.tap-version'], footer((f) => f.writeUInt32BE(1, 32))),
  fail('header cookie cxsparsE', ['header.cookie'], header((h) => h.write('E', 7, 'latin1'))),
  fail('header checksum wrong', ['header.checksum'], header((h) => h.writeUInt32BE((h.readUInt32BE(36) ^ 1) >>> 0, 36), false)),
  fail('header data offset 0x00000000ffffffff', ['header.data-offset'], header((h) => h.writeBigUInt64BE(0xffffffffn, 8))),
  fail('header version 1.1', ['header.version'], header((h) => h.writeUInt32BE(0x00010001, 24))),
  fail('table offset 1537', ['header.table-offset'], header((h) => h.writeBigUInt64BE(1537n, 16))),
  fail('table offset inside the header', ['header.table-offset'], header((h) => h.writeBigUInt64BE(1024n, 16))),
  fail('table offset past the end of the file', ['header.bat-bounds'], header((h) => h.writeBigUInt64BE(1n << 32n, 16))),
  fail('max table entries 3 (4 needed)', ['header.max-entries'], header((h) => h.writeUInt32BE(3, 28))),
  fail('max table entries 0x200000 (BAT past EOF)', ['header.bat-bounds'], header((h) => h.writeUInt32BE(0x200000, 28))),
  fail('block size 3 MiB', ['header.block-size'], header((h) => h.writeUInt32BE(3 * 1048576, 32))),
  fail('block size 4 MiB', ['header.block-size-xen'], header((h) => h.writeUInt32BE(4 * 1048576, 32))),
  fail('block size 512 KiB', ['header.block-size-xen'], header((h) => h.writeUInt32BE(512 * 1024, 32))),
  fail('block size 0', ['header.block-size'], header((h) => h.writeUInt32BE(0, 32))),
  fail('header reserved field', ['header.reserved'], header((h) => h.writeUInt32BE(1, 60))),
  fail('header reserved2 byte 900', ['header.reserved'], header((h) => (h[900] = 1))),
  fail('header reserved2 byte 768 (blktap misses it, Q1)', ['header.reserved'], header((h) => (h[768] = 1))),
  fail('dynamic disk with a parent name', ['header.parent-name'], header((h) => h.write('\0p\0a\0r\0e\0n\0t', 64, 'latin1'))),
  fail('dynamic disk with a parent UUID', ['header.parent-uuid'], header((h) => (h[40] = 1))),
  fail('dynamic disk with a parent timestamp', ['header.parent-timestamp'], header((h) => h.writeUInt32BE(12345, 56))),
  fail('dynamic disk with a W2ru locator (blktap misses it, Q1)', ['header.parent-locator'], header((h) => h.writeUInt32BE(0x57327275, 576))),
  fail('locator with an unknown platform code', ['header.locator-code'], header((h) => h.writeUInt32BE(0x12345678, 576 + 24))),
  fail('BAT[0] inside the header', ['bat.clobbers-metadata'], (b) => (b.writeUInt32BE(1, batAt(0)), b)),
  fail('BAT[0] inside the batmap', ['bat.clobbers-metadata'], (b) => (b.writeUInt32BE(5, batAt(0)), b)),
  fail('BAT entry past EOF', ['bat.clobbers-footer'], (b) => (b.writeUInt32BE(0x00ffffff, batAt(3)), b)),
  fail('BAT[3] two sectors before EOF', ['bat.clobbers-footer'], (b) => (b.writeUInt32BE(FOOT(b) / 512 - 1, batAt(3)), b)),
  fail('two BAT entries equal', ['bat.overlap'], (b) => (b.writeUInt32BE(b.readUInt32BE(batAt(0)), batAt(2)), b)),
  fail('blocks overlapping by one sector', ['bat.overlap'], (b) => (b.writeUInt32BE(b.readUInt32BE(batAt(0)) + 4096, batAt(2)), b)),
  fail('allocated BAT entry past the end of the disk', ['bat.beyond-disk'], (b) => {
    header((h) => h.writeUInt32BE(5, 28))(b);
    b.writeUInt32BE(b.readUInt32BE(batAt(3)), batAt(4));
    return b;
  }),
  fail('trailing footer removed', ['footer.cookie'], (b) => b.subarray(0, FOOT(b))),
  fail('truncated inside the last block, footer re-appended', ['bat.clobbers-footer'], (b) => Buffer.concat([b.subarray(0, FOOT(b) - 4096), b.subarray(FOOT(b))])),
  fail('one extra byte after the footer', ['file.size-alignment'], (b) => Buffer.concat([b, Buffer.from([0])])),
  fail('511-byte legacy footer', ['file.size-alignment'], (b) => b.subarray(0, b.length - 1)),
  fail('smaller than a footer', ['file.too-small'], (b) => b.subarray(0, 100)),
  fail('empty file', ['file.too-small'], () => Buffer.alloc(0)),
  warn('2 KiB gap before the footer', ['layout.trailing-gap'], (b) => Buffer.concat([b.subarray(0, FOOT(b)), Buffer.alloc(2048), b.subarray(FOOT(b))])),
  fail('tap 1.3 without a batmap', ['batmap.missing'], (b) => (b.fill(0, BATMAP, MAP + 512), b)),
  fail('batmap checksum wrong', ['batmap.checksum'], (b) => (b.writeUInt32BE((b.readUInt32BE(BATMAP + 24) ^ 1) >>> 0, BATMAP + 24), b)),
  fail('batmap marks an unallocated block full', ['batmap.unallocated-full'], (b) => {
    b[MAP] = (b[MAP] as number) | 0x40; // block 1 is unallocated in the base
    batmapReseal(b);
    return b;
  }),
  fail('batmap version 1.3', ['batmap.version'], (b) => (b.writeUInt32BE(0x00010003, BATMAP + 20), b)),
  fail('batmap size 0', ['batmap.size'], (b) => (b.writeUInt32BE(0, BATMAP + 16), b)),
  fail('batmap offset unaligned', ['batmap.offset'], (b) => (b.writeBigUInt64BE(BigInt(MAP + 1), BATMAP + 8), b)),
  fail('bitmap bit clear over non-zero data', ['block.bitmap-clear-data'], (b) => {
    const block0 = b.readUInt32BE(batAt(0)) * 512;
    b[block0] = 0x7f; // sector 0 of block 0 "never written", yet it holds random data
    return b;
  }),
  warn('creator "tap " with a space', ['footer.creator'], footer((f) => f.write('tap ', 28, 'latin1'))),
  warn('creator qemu (no batmap expected)', ['footer.creator'], footer((f) => (f.write('qemu', 28, 'latin1'), f.writeUInt32BE(0x00050003, 32)))),
  fail('fixed disk with data offset 512', ['footer.data-offset'], (b) => fixed(b, (f) => f.writeBigUInt64BE(512n, 16))),
  fail('fixed disk whose size does not match', ['fixed.size'], (b) => fixed(b, (f) => f.writeBigUInt64BE(4n * 1048576n, 48))),
  warn('fixed disk (valid, not sparse)', ['fixed.not-sparse'], (b) => fixed(b, () => undefined)),
  fail('virtual size over --max-size', ['rax.virtual-size'], (b) => b, { maxSize: 6 * 1048576 }),
  fail('file size over --max-size (a fixed disk)', ['rax.physical-size'], (b) => fixed(b, () => undefined), { maxSize: 8 * 1048576 }),
];

/** An 8 MiB fixed VHD: 8 MiB of data (the base's blocks, content irrelevant) + a fixed footer. */
function fixed(b: Buffer, fn: (f: Buffer) => void): Buffer {
  const f = Buffer.from(b.subarray(FOOT(b)));
  f.writeUInt32BE(2, 60);
  f.writeBigUInt64BE(0xffffffffffffffffn, 16);
  fn(f);
  resealFooter(f);
  return Buffer.concat([Buffer.alloc(8 * 1048576, 1), f]);
}
