// Round trips against independent implementations: sparse raw images → `ingot convert` → qemu-img
// (compare, info) and libvhdi (vhdiinfo) agree on content and size, `ingot check` finds nothing,
// and ingot's own reader gives the original bytes back.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVhd, vhdToRawFile } from '../../../src/vhd/index.js';
import { runCli } from '../../support/run-cli.js';
import { qemuImg, qemuVirtualSize, tempDir, vhdiMediaSize, writeSparseRaw, type Extent } from '../../support/vhd/fixtures.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const roundUp2M = (n: number): number => Math.ceil(n / (2 * MiB)) * 2 * MiB;

interface Fixture {
  name: string;
  size: number;
  extents: Extent[];
}

const FIXTURES: Fixture[] = [
  { name: 'one sector', size: 512, extents: [{ offset: 0, length: 512 }] },
  { name: 'exactly one block', size: 2 * MiB, extents: [{ offset: 2 * MiB - 100, length: 100 }] },
  { name: 'one block and a sector', size: 2 * MiB + 512, extents: [{ offset: 2 * MiB, length: 512 }] },
  { name: 'not a whole number of sectors', size: 5 * MiB + 7, extents: [{ offset: 0, length: 4096 }, { offset: 5 * MiB, length: 7 }] },
  {
    name: 'holes and a partial last block',
    size: 37 * MiB + 12345,
    extents: [
      { offset: 0, length: 1 * MiB },
      { offset: 3 * MiB + 17, length: 3 * MiB },
      { offset: 20 * MiB - 1, length: 2 },
      { offset: 37 * MiB, length: 12345 },
    ],
  },
  // CHS boundary: the spec switches to 255 sectors per track at 65535×16×63 sectors (vhd.md §2.1).
  { name: 'at the 65535×16×63 CHS boundary', size: 65535 * 16 * 63 * 512, extents: [{ offset: 0, length: 64 * KiB }, { offset: 65535 * 16 * 63 * 512 - 512, length: 512 }] },
  // Beyond 127.5 GiB the geometry saturates: only current_size tells the size (vhd.md §2.1, T5).
  {
    name: 'over 127.5 GiB virtual',
    size: 130 * GiB + 3 * MiB,
    extents: [{ offset: 1 * MiB, length: 2 * MiB }, { offset: 128 * GiB, length: 1 * MiB }, { offset: 130 * GiB + 3 * MiB - 4096, length: 4096 }],
  },
];

let dir: { dir: string; remove(): Promise<void> };
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => dir.remove());

describe.each(FIXTURES.map((f, i) => [f.name, f, i] as const))('round trip: %s', { timeout: 120_000 }, (_name, fixture, i) => {
  const raw = (): string => join(dir.dir, `in-${i}.raw`);
  const vhd = (): string => join(dir.dir, `out-${i}.vhd`);

  beforeAll(async () => {
    await writeSparseRaw(raw(), fixture.size, fixture.extents, 100 + i);
    const r = await runCli(['convert', raw(), vhd()], { timeout: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 300_000);

  it('qemu-img compare says the VHD holds the raw disk', async () => {
    const r = await qemuImg(['compare', '-f', 'raw', '-F', 'vpc', raw(), vhd()]);
    expect(r.stdout).toContain('Images are identical');
    expect(r.code).toBe(0);
  });

  it('qemu-img and vhdiinfo report the size rounded up to 2 MiB', async () => {
    expect(await qemuVirtualSize(vhd())).toBe(roundUp2M(fixture.size));
    expect(await vhdiMediaSize(vhd())).toBe(roundUp2M(fixture.size));
  });

  it('stores only the blocks that hold data', async () => {
    const blocks = new Set(fixture.extents.flatMap((e) => {
      const out: number[] = [];
      for (let b = Math.floor(e.offset / (2 * MiB)); b <= Math.floor((e.offset + e.length - 1) / (2 * MiB)); b++) out.push(b);
      return out;
    }));
    const check = await checkVhd(vhd());
    expect(check.findings).toEqual([]);
    expect(check.disk?.allocatedBlocks).toBe(blocks.size);
    expect((await stat(vhd())).size).toBeLessThan(blocks.size * (2 * MiB + 512) + 1 * MiB);
  });

  it("ingot's reader gives the original bytes back", async () => {
    const back = join(dir.dir, `back-${i}.raw`);
    await vhdToRawFile(vhd(), back);
    const r = await qemuImg(['compare', '-f', 'raw', '-F', 'raw', raw(), back]);
    expect(r.stdout).toContain('Images are identical');
    if (fixture.size < 64 * MiB) {
      const original = await readFile(raw());
      const restored = await readFile(back);
      expect(restored.subarray(0, fixture.size).equals(original)).toBe(true);
      expect(restored.subarray(fixture.size).every((b) => b === 0)).toBe(true);
    }
  });
});
