// A VHD file (dynamic or fixed) as a stream of its raw disk bytes, in order, honouring bitmaps.
import { open } from 'node:fs/promises';
import { IngotError } from '../errors/index.js';
import { testBit } from './batmap.js';
import { DISK_DYNAMIC, DISK_FIXED, FOOTER_SIZE, HEADER_SIZE, SECTOR, UNUSED, roundUp } from './constants.js';
import { decodeFooter, footerChecksum } from './footer.js';
import { decodeHeader, headerChecksum } from './header.js';
import { MAX_ENTRIES } from './reader.js';

const CHUNK = 2 * 1024 * 1024;

function invalid(path: string, what: string): IngotError {
  return new IngotError('VHD_INVALID', `${path}: ${what}`, { hint: `Run 'ingot check ${path}' for every finding and its fix.` });
}

/** Yields the `current_size` raw bytes of the VHD at `path`; unallocated blocks and clear bitmap bits read as zeros. */
export async function* readVhdRaw(path: string): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const at = async (position: number, length: number): Promise<Buffer> => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, position);
      if (bytesRead !== length) throw invalid(path, `ends at ${size}, expected ${length} bytes at ${position}`);
      return buf;
    };
    if (size < FOOTER_SIZE) throw invalid(path, `is ${size} bytes, smaller than a VHD footer`);
    const fbuf = await at(size - FOOTER_SIZE, FOOTER_SIZE);
    const footer = decodeFooter(fbuf);
    if (footer.cookie !== 'conectix' || footer.checksum !== footerChecksum(fbuf)) throw invalid(path, 'has no valid VHD footer at its end');
    if (footer.diskType === DISK_FIXED) {
      if (size !== footer.currentSize + FOOTER_SIZE) throw invalid(path, `is a fixed VHD of ${size} bytes, expected ${footer.currentSize + FOOTER_SIZE}`);
      for (let p = 0; p < footer.currentSize; p += CHUNK) yield await at(p, Math.min(CHUNK, footer.currentSize - p));
      return;
    }
    if (footer.diskType !== DISK_DYNAMIC) throw invalid(path, `has disk type ${footer.diskType}; only fixed (2) and dynamic (3) are read`);
    const hbuf = await at(Number(footer.dataOffset), HEADER_SIZE);
    const h = decodeHeader(hbuf);
    if (h.cookie !== 'cxsparse' || h.checksum !== headerChecksum(hbuf)) throw invalid(path, `has no valid dynamic header at ${footer.dataOffset}`);
    const bs = h.blockSize;
    const blocks = Math.ceil(footer.currentSize / bs);
    if (bs < SECTOR || bs > CHUNK || (bs & (bs - 1)) !== 0 || h.maxTableEntries < blocks || blocks > MAX_ENTRIES) throw invalid(path, `has block size ${bs} and ${h.maxTableEntries} BAT entries for ${blocks} blocks`);
    const bat = await at(h.tableOffset, blocks * 4);
    const bitmapBytes = roundUp(bs / SECTOR / 8, SECTOR);
    for (let i = 0; i < blocks; i++) {
      const length = Math.min(bs, footer.currentSize - i * bs);
      const sector = bat.readUInt32BE(i * 4);
      if (sector === UNUSED) {
        yield Buffer.alloc(length);
        continue;
      }
      const block = await at(sector * SECTOR, bitmapBytes + bs);
      const data = block.subarray(bitmapBytes, bitmapBytes + length);
      for (let s = 0; s < length / SECTOR; s++) if (!testBit(block, s)) data.fill(0, s * SECTOR, (s + 1) * SECTOR);
      yield data;
    }
  } finally {
    await fh.close();
  }
}
