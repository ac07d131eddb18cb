// The reader turns any valid VHD back into the raw disk: from a file or a byte stream cut at odd
// places, with blocks stored out of index order, from fixed disks, and honouring bitmaps.
import { Readable } from 'node:stream';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIngotError } from '../../../src/errors/index.js';
import { checkVhd, readVhdRaw, vhdStreamToRawFile, vhdToRawFile } from '../../../src/vhd/index.js';
import { resealFooter } from '../../../src/vhd/footer.js';
import { base, MIB, RAW_SIZE } from '../../support/vhd/base.js';
import { tempDir } from '../../support/vhd/fixtures.js';

let dir: { dir: string; remove(): Promise<void> };
let raw: Buffer;
let vhd: Buffer;
const padded = (): Buffer => Buffer.concat([raw, Buffer.alloc(8 * MIB - RAW_SIZE)]);

beforeAll(async () => {
  dir = await tempDir();
  ({ raw, vhd } = await base());
});
afterAll(() => dir.remove());

function chunks(buf: Buffer, sizes: number[]): Readable {
  return Readable.from(
    (function* () {
      let at = 0;
      for (let k = 0; at < buf.length; k++) {
        const n = sizes[k % sizes.length] as number;
        yield buf.subarray(at, at + n);
        at += n;
      }
    })(),
  );
}

/** Moves block 3 in front of block 0 physically (BAT rewritten): valid, but out of index order. */
function outOfOrder(v: Buffer): Buffer {
  const span = 512 + 2 * MIB;
  const first = v.readUInt32BE(1536) * 512;
  const blocks = [0, 2, 3].map((i) => v.subarray(v.readUInt32BE(1536 + 4 * i) * 512, v.readUInt32BE(1536 + 4 * i) * 512 + span));
  const out = Buffer.from(v);
  const order = [2, 0, 1]; // block 3 first, then 0, then 2
  order.forEach((k, slot) => {
    (blocks[k] as Buffer).copy(out, first + slot * span);
    out.writeUInt32BE((first + slot * span) / 512, 1536 + 4 * ([0, 2, 3][k] as number));
  });
  return out;
}

describe('vhdStreamToRawFile', () => {
  it('restores the raw disk from a stream cut into odd chunk sizes', async () => {
    const out = join(dir.dir, 'odd.raw');
    const r = await vhdStreamToRawFile(chunks(vhd, [1, 511, 4097, 65536, 3]), out);
    expect(r.size).toBe(8 * MIB);
    expect((await readFile(out)).equals(padded())).toBe(true);
  });

  it('handles blocks stored out of index order without spooling', async () => {
    const out = join(dir.dir, 'ooo.raw');
    const shuffled = outOfOrder(vhd);
    expect(shuffled.readUInt32BE(1536 + 12)).toBeLessThan(shuffled.readUInt32BE(1536));
    await writeFile(join(dir.dir, 'ooo.vhd'), shuffled);
    expect((await checkVhd(join(dir.dir, 'ooo.vhd'))).findings).toEqual([]);
    await vhdStreamToRawFile(chunks(shuffled, [1 << 20]), out);
    expect((await readFile(out)).equals(padded())).toBe(true);
  });

  it('reads a fixed VHD (no footer copy at offset 0)', async () => {
    const f = Buffer.from(vhd.subarray(vhd.length - 512));
    f.writeUInt32BE(2, 60);
    f.writeBigUInt64BE(0xffffffffffffffffn, 16);
    resealFooter(f);
    const out = join(dir.dir, 'fixed.raw');
    const r = await vhdStreamToRawFile(chunks(Buffer.concat([padded(), f]), [100_000]), out);
    expect(r.footer.diskType).toBe(2);
    expect((await readFile(out)).equals(padded())).toBe(true);
  });

  it('reads clear bitmap bits as zeros, as XenServer and libvhdi do', async () => {
    const v = Buffer.from(vhd);
    const block0 = v.readUInt32BE(1536) * 512;
    v[block0] = 0x7f; // sector 0 of block 0 "never written"
    const out = join(dir.dir, 'bitmap.raw');
    await vhdStreamToRawFile(chunks(v, [1 << 20]), out);
    const expected = padded();
    expected.fill(0, 0, 512);
    expect((await readFile(out)).equals(expected)).toBe(true);
  });

  it('writes into an existing, larger target (a VDI) without shrinking it, and refuses a smaller one', async () => {
    const vdi = join(dir.dir, 'vdi.raw');
    await writeFile(vdi, Buffer.alloc(16 * MIB));
    await vhdStreamToRawFile(chunks(vhd, [1 << 20]), vdi, undefined, undefined, { existing: true });
    const got = await readFile(vdi);
    expect(got.length).toBe(16 * MIB);
    expect(got.subarray(0, 8 * MIB).equals(padded())).toBe(true);
    const small = join(dir.dir, 'small.raw');
    await writeFile(small, Buffer.alloc(4 * MIB));
    const error = await vhdStreamToRawFile(chunks(vhd, [1 << 20]), small, undefined, undefined, { existing: true }).catch((e: unknown) => e);
    expect(isIngotError(error) && error.code).toBe('VHD_INVALID');
    expect((await readFile(small)).length).toBe(4 * MIB);
  });

  it('rejects overlapping blocks with VHD_INVALID', async () => {
    const v = Buffer.from(vhd);
    v.writeUInt32BE(v.readUInt32BE(1536), 1536 + 8);
    const error = await vhdStreamToRawFile(chunks(v, [1 << 20]), join(dir.dir, 'bad.raw')).catch((e: unknown) => e);
    expect(isIngotError(error) && error.code).toBe('VHD_INVALID');
  });
});

describe('file readers', () => {
  it('vhdToRawFile and readVhdRaw give the raw disk back', async () => {
    const path = join(dir.dir, 'base.vhd');
    await writeFile(path, vhd);
    await vhdToRawFile(path, join(dir.dir, 'file.raw'));
    expect((await readFile(join(dir.dir, 'file.raw'))).equals(padded())).toBe(true);
    const parts: Buffer[] = [];
    for await (const p of readVhdRaw(path)) parts.push(p);
    expect(Buffer.concat(parts).equals(padded())).toBe(true);
  });
});
