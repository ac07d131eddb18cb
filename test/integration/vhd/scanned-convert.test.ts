// The export path's "stream once": reading a VHD stream into a raw file computes the writer's
// pass 1 on the way (which blocks hold data, the deterministic digest), and a VHD written from that
// scan is byte-identical to the one-pass writer's output and hashed while it is written.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silent } from '../../../src/cli/events.js';
import { resolveImage } from '../../../src/pipeline/source.js';
import { convertToVhd, vhdStreamFromFile, vhdStreamToRawFile } from '../../../src/vhd/index.js';
import { withTempDir, writeSparseRaw } from '../../support/vhd/fixtures.js';

const MiB = 1024 * 1024;
const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

/** A disk whose size is not a block multiple, with data in the first, a middle and the partial last block, and one all-zero-looking gap. */
async function sourceVhd(dir: string): Promise<string> {
  const size = 13 * MiB + 5 * 512;
  await writeSparseRaw(join(dir, 'src.raw'), size, [{ offset: 0, length: 70_000 }, { offset: 6 * MiB + 4096, length: 300_000 }, { offset: size - 2048, length: 2048 }]);
  await convertToVhd(join(dir, 'src.raw'), join(dir, 'src.vhd'), { deterministic: false });
  return join(dir, 'src.vhd');
}

describe('a VHD written from the scan taken while reading the export', () => {
  it('is byte-identical to the one-pass writer\'s, and its sha256 is the file\'s', async () => {
    await withTempDir(async (dir) => {
      const vhd = await sourceVhd(dir);
      const read = await vhdStreamToRawFile(createReadStream(vhd), join(dir, 'export.raw'), undefined, undefined, { scan: { deterministic: true } });
      expect(read.scan?.digest).toBeDefined();
      const scanned = await convertToVhd(join(dir, 'export.raw'), join(dir, 'scanned.vhd'), { deterministic: true, sourceDateEpoch: 1_700_000_000, scanned: read.scan! });
      const plain = await convertToVhd(join(dir, 'export.raw'), join(dir, 'plain.vhd'), { deterministic: true, sourceDateEpoch: 1_700_000_000 });
      expect(scanned.uuid).toBe(plain.uuid);
      expect(plain.sha256).toBeUndefined(); // the one-pass writer cannot hash in file order
      expect(scanned.sha256).toBe(await sha256(join(dir, 'plain.vhd')));
      expect((await readFile(join(dir, 'scanned.vhd'))).equals(await readFile(join(dir, 'plain.vhd')))).toBe(true);
    });
  });

  it('is not offered when the stream\'s blocks are out of index order (the digest would differ)', async () => {
    await withTempDir(async (dir) => {
      const vhd = await readFile(await sourceVhd(dir));
      // Swap the first two allocated blocks physically and in the BAT: still a valid VHD.
      const tableOffset = Number(vhd.readBigUInt64BE(512 + 16));
      const entries = [...Array(7).keys()].map((i) => ({ i, at: vhd.readUInt32BE(tableOffset + i * 4) })).filter((e) => e.at !== 0xffffffff);
      const [a, b] = entries as [{ i: number; at: number }, { i: number; at: number }];
      const span = 512 + 2 * MiB;
      const blockA = Buffer.from(vhd.subarray(a.at * 512, a.at * 512 + span));
      vhd.copy(vhd, a.at * 512, b.at * 512, b.at * 512 + span);
      blockA.copy(vhd, b.at * 512);
      vhd.writeUInt32BE(b.at, tableOffset + a.i * 4);
      vhd.writeUInt32BE(a.at, tableOffset + b.i * 4);
      await writeFile(join(dir, 'swapped.vhd'), vhd);

      const inOrder = await vhdStreamToRawFile(createReadStream(join(dir, 'src.vhd')), join(dir, 'a.raw'), undefined, undefined, { scan: { deterministic: true } });
      const swapped = await vhdStreamToRawFile(createReadStream(join(dir, 'swapped.vhd')), join(dir, 'b.raw'), undefined, undefined, { scan: { deterministic: true } });
      expect(inOrder.scan).toBeDefined();
      expect(swapped.scan).toBeUndefined();
      expect(await sha256(join(dir, 'a.raw'))).toBe(await sha256(join(dir, 'b.raw')));
    });
  });
});

describe('the import of a raw source image', () => {
  it('streams the same VHD from the blocks seen while the resolve stage hashed the file as from a scan of its own', async () => {
    await withTempDir(async (dir) => {
      const size = 9 * MiB + 512;
      await writeSparseRaw(join(dir, 'disk.raw'), size, [{ offset: 4096, length: 1000 }, { offset: 4 * MiB + 7, length: 3 * MiB }, { offset: size - 512, length: 512 }]);
      const image = await resolveImage({ kind: 'image', path: join(dir, 'disk.raw'), format: undefined }, { env: {}, report: silent, signal: new AbortController().signal });
      expect(image.format).toBe('raw');
      expect(image.scan).toBeDefined();
      const fixed = { deterministic: true, uuid: new Uint8Array(16).fill(7), sourceDateEpoch: 1_700_000_000 };
      const collect = async (opts: Parameters<typeof vhdStreamFromFile>[1]) => {
        const vhd = await vhdStreamFromFile(join(dir, 'disk.raw'), opts);
        const chunks: Buffer[] = [];
        for await (const c of vhd.stream as AsyncIterable<Buffer>) chunks.push(c);
        return { length: vhd.length, blocks: vhd.allocatedBlocks, bytes: Buffer.concat(chunks) };
      };
      const withScan = await collect({ ...fixed, scanned: image.scan! });
      const own = await collect(fixed);
      expect(withScan.length).toBe(own.length);
      expect(withScan.bytes.equals(own.bytes)).toBe(true);
      expect(withScan.blocks).toBe(4); // blocks 0, 2, 3 (the 3 MiB extent) and 4; block 1 is a hole
    });
  });
});
