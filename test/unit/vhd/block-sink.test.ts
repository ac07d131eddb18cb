// The file writer's direct-I/O path: what reaches the O_DIRECT handle is whole 4 KiB-aligned
// runs, the file is the same as the two-pass stream's bytes, and a direct write refused with
// EINVAL (a file system with other alignment rules) falls back to ordinary writes, same bytes.
import type { FileHandle } from 'node:fs/promises';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeVhdFile } from '../../../src/vhd/file-writer.js';
import { convertToVhd, openRawFile } from '../../../src/vhd/index.js';
import { vhdOf } from '../../support/vhd/base.js';
import { tempDir, writeSparseRaw } from '../../support/vhd/fixtures.js';

const BLOCK = 2 * 1024 * 1024;
const opts = { deterministic: true, sourceDateEpoch: 1_700_000_000 };
let dir: { dir: string; remove(): Promise<void> };
let rawPath: string;
let expected: Buffer;

beforeAll(async () => {
  dir = await tempDir();
  rawPath = join(dir.dir, 'disk.raw');
  // 13 blocks with data among 30 (more than the 4 read ahead), a zero block the hole map calls
  // data (block 8: blocks read after it were placed for a different offset), a partial last block.
  const size = 30 * BLOCK + 2560;
  const blocks = [0, 2, 3, 4, 5, 7, 9, 10, 11, 17, 18, 25, 29];
  await writeSparseRaw(rawPath, size, blocks.map((b, k) => ({ offset: b * BLOCK + k * 512, length: 100_000 })));
  const fh = await open(rawPath, 'r+');
  await fh.write(Buffer.alloc(BLOCK), 0, BLOCK, 8 * BLOCK);
  await fh.write(Buffer.from([9]), 0, 1, size - 1);
  await fh.close();
  expected = await vhdOf(await readFile(rawPath));
}, 60_000);
afterAll(() => dir.remove());

/** Writes through `direct` (a stand-in for the O_DIRECT handle that writes to `out`), returns the file. */
async function convertWith(name: string, direct: (out: FileHandle) => Pick<FileHandle, 'write'>): Promise<Buffer> {
  const source = await openRawFile(rawPath);
  const out = await open(join(dir.dir, name), 'w');
  try {
    await writeVhdFile(source, { out, direct: direct(out) }, opts);
  } finally {
    await out.close();
    await source.close();
  }
  return readFile(join(dir.dir, name));
}

describe('direct writes', () => {
  it('are whole 4 KiB-aligned runs, and the file equals the stream output', async () => {
    const writes: Array<[number, number]> = [];
    const file = await convertWith('aligned.vhd', (out) => ({
      write: ((b: Buffer, off: number, len: number, pos: number) => {
        writes.push([pos, len]);
        return out.write(b, off, len, pos);
      }) as FileHandle['write'],
    }));
    expect(file.equals(expected)).toBe(true);
    expect(writes.length).toBe(14); // 13 blocks with data and the partial last one
    for (const [pos, len] of writes) expect([pos % 4096, len % 4096, len > 0]).toEqual([0, 0, true]);
    // Back to back: each run starts where the previous ended.
    for (let k = 1; k < writes.length; k++) expect(writes[k]?.[0]).toBe((writes[k - 1]?.[0] ?? 0) + (writes[k - 1]?.[1] ?? 0));
  });

  it('fall back to ordinary writes after an EINVAL, with the same bytes', async () => {
    let calls = 0;
    const file = await convertWith('fallback.vhd', (out) => ({
      write: ((b: Buffer, off: number, len: number, pos: number) => {
        if (++calls >= 3) return Promise.reject(Object.assign(new Error('EINVAL: invalid argument, write'), { code: 'EINVAL' }));
        return out.write(b, off, len, pos);
      }) as FileHandle['write'],
    }));
    expect(file.equals(expected)).toBe(true);
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it('go through a real O_DIRECT handle when the file system has one (convertToVhd), same bytes', async () => {
    await convertToVhd(rawPath, join(dir.dir, 'real.vhd'), opts);
    expect((await readFile(join(dir.dir, 'real.vhd'))).equals(expected)).toBe(true);
  });

  it('report any other write error instead of falling back', async () => {
    const error = await convertWith('eio.vhd', () => ({
      write: (() => Promise.reject(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }))) as FileHandle['write'],
    })).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('EIO');
  });
});
