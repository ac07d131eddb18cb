// The writer lays a VHD out byte for byte as vhd.md §1.8's worked example (blktap's vhd-util
// layout), announces its exact length up front, and is deterministic when asked.
import { createHash } from 'node:crypto';
import { open, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIngotError } from '../../../src/errors/index.js';
import { convertToVhd, openRawFile, prepareVhd, vhdStreamFromFile } from '../../../src/vhd/index.js';
import { decodeFooter } from '../../../src/vhd/footer.js';
import { decodeHeader } from '../../../src/vhd/header.js';
import { vhdOf } from '../../support/vhd/base.js';
import { prng, randomBytes, tempDir, writeSparseRaw } from '../../support/vhd/fixtures.js';

const MiB = 1024 * 1024;
const BLOCK = 2 * MiB;

/** The UUID docs/vhd.md defines, computed here independently of src/vhd: SHA-256 of
 *  "ingot-vhd-v1 SIZE\n", then (index as 8 bytes big-endian, 2 MiB zero-padded block) for every
 *  block with a non-zero byte, first 16 bytes, version 8 and variant bits set. */
function documentedUuid(raw: Buffer): Buffer {
  const h = createHash('sha256').update(`ingot-vhd-v1 ${raw.length}\n`);
  const index = Buffer.alloc(8);
  const zero = Buffer.alloc(BLOCK);
  for (let i = 0; i * BLOCK < raw.length; i++) {
    const block = Buffer.alloc(BLOCK);
    raw.copy(block, 0, i * BLOCK, Math.min(raw.length, (i + 1) * BLOCK));
    if (block.equals(zero)) continue;
    index.writeBigUInt64BE(BigInt(i));
    h.update(index).update(block);
  }
  const u = h.digest().subarray(0, 16);
  u[6] = ((u[6] as number) & 0x0f) | 0x80;
  u[8] = ((u[8] as number) & 0x3f) | 0x80;
  return u;
}

const footerUuid = (vhd: Buffer): Buffer => vhd.subarray(vhd.length - 512 + 68, vhd.length - 512 + 84);

let exampleRaw: Buffer | undefined;
const example = (): Buffer => {
  if (!exampleRaw) {
    exampleRaw = Buffer.alloc(12_345_678);
    randomBytes(prng(3), 10_000_000).copy(exampleRaw);
  }
  return Buffer.from(exampleRaw);
};

let dir: { dir: string; remove(): Promise<void> };
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => dir.remove());

describe('the worked example of vhd.md §1.8 (12 345 678 raw bytes, first 10 000 000 random)', () => {
  let vhd: Buffer;
  beforeAll(async () => {
    vhd = await vhdOf(example());
  });

  it('has the file size blktap would give it', () => {
    expect(vhd.length).toBe(10_491_904);
  });

  it('has a tap 1.3 dynamic footer, rounded up to 2 MiB, with spec CHS, copied at offset 0', () => {
    const f = decodeFooter(vhd.subarray(vhd.length - 512));
    expect(f).toMatchObject({
      cookie: 'conectix', features: 2, formatVersion: 0x00010000, dataOffset: 512n, creatorApp: 'tap\0',
      creatorVersion: 0x00010003, creatorHostOs: 0, originalSize: 12_582_912, currentSize: 12_582_912,
      geometry: { cylinders: 361, heads: 4, sectorsPerTrack: 17 }, diskType: 3, savedState: 0, hidden: 0,
    });
    expect(vhd.subarray(0, 512).equals(vhd.subarray(vhd.length - 512))).toBe(true);
  });

  it('has the header, BAT and batmap at 512, 1536 and 2048', () => {
    const h = decodeHeader(vhd.subarray(512, 1536));
    expect(h).toMatchObject({ cookie: 'cxsparse', dataOffset: 0xffffffffffffffffn, tableOffset: 1536, headerVersion: 0x00010000, maxTableEntries: 6, blockSize: 2 * 1024 * 1024 });
    const bat = [0, 1, 2, 3, 4, 5].map((i) => vhd.readUInt32BE(1536 + 4 * i));
    expect(bat).toEqual([6, 0x1007, 0x2008, 0x3009, 0x400a, 0xffffffff]);
    expect(vhd.toString('latin1', 0x800, 0x808)).toBe('tdbatmap');
    expect(vhd.readBigUInt64BE(0x808)).toBe(0xa00n);
    expect(vhd.readUInt32BE(0x810)).toBe(1);
    expect(vhd.readUInt32BE(0x814)).toBe(0x00010002);
    expect(vhd[0xa00]).toBe(0xf8);
  });

  it('stores each block behind an all-ones bitmap', () => {
    expect(vhd.subarray(0xc00, 0xe00).every((b) => b === 0xff)).toBe(true);
    expect(vhd.subarray(0xe00, 0xe00 + 64).equals(example().subarray(0, 64))).toBe(true);
  });
});

describe('deterministic output', () => {
  it('gives byte-identical VHDs for the same disk, and differing UUIDs for different disks', async () => {
    const a = await vhdOf(example());
    const b = await vhdOf(example(), { chunk: 65_521 });
    expect(a.equals(b)).toBe(true);
    const other = example();
    other[5_000_000] = (other[5_000_000] as number) ^ 1;
    const c = await vhdOf(other);
    expect(c.subarray(68, 84).equals(a.subarray(68, 84))).toBe(false);
  });

  it('derives the UUID from the content exactly as docs/vhd.md says, in the stream and the file writer', async () => {
    const raw = example();
    expect(footerUuid(await vhdOf(raw)).equals(documentedUuid(raw))).toBe(true);
    const path = join(dir.dir, 'uuid.raw');
    await writeFile(path, raw);
    await convertToVhd(path, join(dir.dir, 'uuid.vhd'), { deterministic: true });
    expect(footerUuid(await readFile(join(dir.dir, 'uuid.vhd'))).equals(documentedUuid(raw))).toBe(true);
  });

  it('changes the UUID of the file writer when one byte changes, or when the same data moves to another block', async () => {
    const raw = example();
    const uuidOf = async (bytes: Buffer, name: string): Promise<Buffer> => {
      await writeFile(join(dir.dir, `${name}.raw`), bytes);
      await convertToVhd(join(dir.dir, `${name}.raw`), join(dir.dir, `${name}.vhd`), { deterministic: true });
      return footerUuid(await readFile(join(dir.dir, `${name}.vhd`)));
    };
    const original = await uuidOf(raw, 'same');
    expect((await uuidOf(raw, 'same-again')).equals(original)).toBe(true);
    const lastByte = Buffer.from(raw);
    lastByte[lastByte.length - 1] = 1; // in the partial last block, a zero block until now
    const flipped = Buffer.from(raw);
    flipped[9_999_999] = (flipped[9_999_999] as number) ^ 0x80;
    const moved = Buffer.alloc(raw.length);
    raw.copy(moved, 2 * BLOCK, 0, BLOCK); // block 0's bytes stored as block 2
    const movedFrom = Buffer.alloc(raw.length);
    raw.copy(movedFrom, 0, 0, BLOCK);
    const uuids = [original, await uuidOf(lastByte, 'last'), await uuidOf(flipped, 'flipped'), await uuidOf(moved, 'moved'), await uuidOf(movedFrom, 'moved-from')];
    expect(new Set(uuids.map((u) => u.toString('hex'))).size).toBe(uuids.length);
  });

  it('takes its timestamp from SOURCE_DATE_EPOCH', async () => {
    const v = await vhdOf(example(), { sourceDateEpoch: 1_700_000_000 });
    expect(v.readUInt32BE(v.length - 512 + 24)).toBe(1_700_000_000 - 946_684_800);
  });

  it('uses the current time and a random UUID when not deterministic', async () => {
    const a = await vhdOf(example(), { deterministic: false });
    const b = await vhdOf(example(), { deterministic: false });
    expect(a.subarray(68, 84).equals(b.subarray(68, 84))).toBe(false);
    const ts = a.readUInt32BE(24) + 946_684_800;
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(600);
  });
});

describe('sources', () => {
  it('gives the same bytes from a file (random access) as from a stream (sequential)', async () => {
    const raw = example();
    const path = join(dir.dir, 'example.raw');
    await writeFile(path, raw);
    const source = await openRawFile(path);
    try {
      const vhd = await prepareVhd(source, { deterministic: true, sourceDateEpoch: 1_700_000_000 });
      const parts: Buffer[] = [];
      for await (const p of vhd.stream) parts.push(p as Buffer);
      expect(Buffer.concat(parts).equals(await vhdOf(raw))).toBe(true);
    } finally {
      await source.close();
    }
  });

  it('writes the same bytes in one pass to a file (convertToVhd) as the two-pass stream', async () => {
    const raw = example();
    const path = join(dir.dir, 'one-pass.raw');
    await writeFile(path, raw);
    await convertToVhd(path, join(dir.dir, 'one-pass.vhd'), { deterministic: true, sourceDateEpoch: 1_700_000_000 });
    expect((await readFile(join(dir.dir, 'one-pass.vhd'))).equals(await vhdOf(raw))).toBe(true);
    expect(await readdir(dir.dir)).not.toContain('one-pass.vhd.partial');
  });

  it('writes a sparse file with many scattered blocks (more than are read ahead) byte-identically to the stream', async () => {
    const path = join(dir.dir, 'scattered.raw');
    const size = 40 * BLOCK + 3 * 512;
    const blocks = [0, 1, 5, 6, 7, 13, 19, 20, 23, 24, 25, 26, 31, 33, 39, 40];
    // Extents at varying offsets inside their blocks; block 40 is the partial last one (1 536 bytes).
    await writeSparseRaw(path, size, blocks.map((b, k) => (b === 40 ? { offset: b * BLOCK + 100, length: 1000 } : { offset: b * BLOCK + (k % 3) * 4096, length: 300_000 })));
    // Allocated on disk but all zeros: read (the hole map says data) yet not stored.
    const fh = await open(path, 'r+');
    await fh.write(Buffer.alloc(BLOCK), 0, BLOCK, 10 * BLOCK);
    await fh.close();
    const raw = await readFile(path);
    const stream = await vhdOf(raw);
    await convertToVhd(path, join(dir.dir, 'scattered.vhd'), { deterministic: true, sourceDateEpoch: 1_700_000_000 });
    const file = await readFile(join(dir.dir, 'scattered.vhd'));
    expect(file.equals(stream)).toBe(true);
    expect(decodeHeader(file.subarray(512, 1536)).maxTableEntries).toBe(41);
    expect(footerUuid(file).equals(documentedUuid(raw))).toBe(true);
    const fromFile = await vhdStreamFromFile(path, { deterministic: true, sourceDateEpoch: 1_700_000_000 });
    const parts: Buffer[] = [];
    for await (const p of fromFile.stream) parts.push(p as Buffer);
    expect(Buffer.concat(parts).equals(file)).toBe(true);
    expect(fromFile.allocatedBlocks).toBe(new Set(blocks).size);
  });

  it('vhdStreamFromFile streams exactly `length` bytes, the same as convertToVhd wrote', async () => {
    const path = join(dir.dir, 'one-pass.raw');
    const vhd = await vhdStreamFromFile(path, { deterministic: true, sourceDateEpoch: 1_700_000_000 });
    const parts: Buffer[] = [];
    for await (const p of vhd.stream) parts.push(p as Buffer);
    const bytes = Buffer.concat(parts);
    expect(bytes.length).toBe(vhd.length);
    expect(bytes.equals(await readFile(join(dir.dir, 'one-pass.vhd')))).toBe(true);
  });

  it('fails with VHD_SOURCE_CHANGED when a block scanned as data reads as zeros the second time', async () => {
    let pass = 0;
    const vhd = await prepareVhd(
      {
        kind: 'sequential',
        size: 4 * 1024 * 1024,
        async *open() {
          pass++;
          const b = Buffer.alloc(4 * 1024 * 1024);
          if (pass === 1) b[3 * 1024 * 1024] = 1;
          yield b;
        },
      },
      { deterministic: true },
    );
    const error = await (async () => {
      for await (const _ of vhd.stream) void _;
    })().catch((e: unknown) => e);
    expect(isIngotError(error) && error.code).toBe('VHD_SOURCE_CHANGED');
  });

  it('refuses an empty input', async () => {
    const error = await prepareVhd({ kind: 'sequential', size: 0, async *open() {} }, { deterministic: true }).catch((e: unknown) => e);
    expect(isIngotError(error) && error.code).toBe('VHD_INPUT_EMPTY');
  });
});
