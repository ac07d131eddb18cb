// blktap's batmap extension ("tdbatmap", vhd.md §1.7): one bit per block, set when the block is full.
import { vhdChecksum } from './checksum.js';
import { BATMAP_HEADER_SIZE, BATMAP_VERSION, SECTOR } from './constants.js';

export interface BatmapHeader {
  cookie: string;
  batmapOffset: number;
  /** In sectors. */
  batmapSize: number;
  batmapVersion: number;
  checksum: number;
}

export function decodeBatmapHeader(buf: Uint8Array): BatmapHeader {
  const v = new DataView(buf.buffer, buf.byteOffset, BATMAP_HEADER_SIZE);
  return {
    cookie: Buffer.from(buf.buffer, buf.byteOffset, 8).toString('latin1'),
    batmapOffset: Number(v.getBigUint64(8)),
    batmapSize: v.getUint32(16),
    batmapVersion: v.getUint32(20),
    checksum: v.getUint32(24),
  };
}

/** Bytes blktap sums for the batmap checksum: derived from current_size >> 24, not from the BAT (vhd.md §1.7). */
export function batmapChecksumLength(currentSize: number): number {
  return SECTOR * Math.max(1, Math.ceil(Math.floor(currentSize / 2 ** 24) / SECTOR));
}

/** Sectors the map occupies for `entries` blocks (blktap `vhd_create_batmap`). */
export const batmapSectors = (entries: number): number => Math.max(1, Math.ceil(Math.ceil(entries / 8) / SECTOR));

export function batmapChecksum(map: Uint8Array, currentSize: number): number {
  return vhdChecksum(map.subarray(0, Math.min(map.length, batmapChecksumLength(currentSize))));
}

export function encodeBatmapHeader(h: { batmapOffset: number; batmapSize: number; checksum: number }): Buffer {
  const buf = Buffer.alloc(BATMAP_HEADER_SIZE);
  buf.write('tdbatmap', 0, 8, 'latin1');
  buf.writeBigUInt64BE(BigInt(h.batmapOffset), 8);
  buf.writeUInt32BE(h.batmapSize, 16);
  buf.writeUInt32BE(BATMAP_VERSION, 20);
  buf.writeUInt32BE(h.checksum, 24);
  return buf;
}

/** MSB-first bit test, the order of block bitmaps and the batmap (vhd.md §1.6). */
export const testBit = (map: Uint8Array, i: number): boolean => (((map[i >> 3] ?? 0) << (i & 7)) & 0x80) !== 0;
export const setBit = (map: Uint8Array, i: number): void => {
  map[i >> 3] = (map[i >> 3] ?? 0) | (0x80 >> (i & 7));
};
