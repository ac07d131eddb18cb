// The VDI writer: any chunking gives the same bytes, zero blocks stay holes, and the SR budget holds.
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SparseWriter } from '../../../src/lab/sparse-writer.js';
import { BLOCK } from '../../../src/lab/storage.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingot-sparse-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** 8 MiB: data, a long zero run, data across a block boundary, zeros to the end. */
function image(): Buffer {
  const img = Buffer.alloc(8 * 1024 * 1024);
  randomBytes(300_000).copy(img, 0);
  randomBytes(100_000).copy(img, 5 * 1024 * 1024 - 50_000);
  return img;
}

test('odd chunk sizes write the same bytes and leave zero blocks unallocated', async () => {
  const img = image();
  const path = join(dir, 'a.raw');
  const fh = await open(path, 'w+');
  await fh.truncate(img.length);
  const writer = new SparseWriter(fh, Number.MAX_SAFE_INTEGER);
  for (let pos = 0, size = 1000; pos < img.length; pos += size, size = (size * 7) % 200_003 + 1) {
    await writer.write(img.subarray(pos, Math.min(img.length, pos + size)));
  }
  await writer.finish();
  await fh.close();
  expect((await readFile(path)).equals(img)).toBe(true);
  expect((await stat(path)).blocks * 512).toBeLessThan(1024 * 1024);
});

test('allocating past the budget is SR_BACKEND_FAILURE_44', async () => {
  const fh = await open(join(dir, 'b.raw'), 'w+');
  try {
    const writer = new SparseWriter(fh, 2 * BLOCK);
    await expect((async () => {
      await writer.write(randomBytes(4 * BLOCK));
      await writer.finish();
    })()).rejects.toMatchObject({ code: 'SR_BACKEND_FAILURE_44', params: ['', 'There is insufficient space', ''] });
  } finally {
    await fh.close();
  }
});
