// The 1024-byte dynamic disk header ("cxsparse", vhd.md §1.4) and its parent locators (§1.5).
import { vhdChecksum } from './checksum.js';
import { HEADER_SIZE } from './constants.js';

export interface ParentLocator {
  platformCode: number;
  dataSpace: number;
  dataLength: number;
  reserved: number;
  dataOffset: number;
}

export interface Header {
  cookie: string;
  dataOffset: bigint;
  tableOffset: number;
  headerVersion: number;
  maxTableEntries: number;
  blockSize: number;
  checksum: number;
  parentUuid: Uint8Array;
  parentTimestamp: number;
  reserved: number;
  parentName: Uint8Array;
  locators: ParentLocator[];
}

export const HEADER_OFFSETS = {
  cookie: 0, dataOffset: 8, tableOffset: 16, headerVersion: 24, maxTableEntries: 28, blockSize: 32, checksum: 36,
  parentUuid: 40, parentTimestamp: 56, reserved: 60, parentName: 64, locators: 576, reserved2: 768,
} as const;

/** Reads the fields of a header; the caller judges them. `buf` must hold at least 1024 bytes. */
export function decodeHeader(buf: Uint8Array): Header {
  const v = new DataView(buf.buffer, buf.byteOffset, HEADER_SIZE);
  const locators: ParentLocator[] = [];
  for (let i = 0; i < 8; i++) {
    const o = 576 + i * 24;
    locators.push({
      platformCode: v.getUint32(o),
      dataSpace: v.getUint32(o + 4),
      dataLength: v.getUint32(o + 8),
      reserved: v.getUint32(o + 12),
      dataOffset: Number(v.getBigUint64(o + 16)),
    });
  }
  return {
    cookie: Buffer.from(buf.buffer, buf.byteOffset, 8).toString('latin1'),
    dataOffset: v.getBigUint64(8),
    tableOffset: Number(v.getBigUint64(16)),
    headerVersion: v.getUint32(24),
    maxTableEntries: v.getUint32(28),
    blockSize: v.getUint32(32),
    checksum: v.getUint32(36),
    parentUuid: buf.slice(40, 56),
    parentTimestamp: v.getUint32(56),
    reserved: v.getUint32(60),
    parentName: buf.slice(64, 576),
    locators,
  };
}

/** Serialises a dynamic (parentless) header with a fresh checksum. */
export function encodeDynamicHeader(h: { tableOffset: number; maxTableEntries: number; blockSize: number }): Buffer {
  const buf = Buffer.alloc(HEADER_SIZE);
  buf.write('cxsparse', 0, 8, 'latin1');
  buf.writeBigUInt64BE(0xffff_ffff_ffff_ffffn, 8);
  buf.writeBigUInt64BE(BigInt(h.tableOffset), 16);
  buf.writeUInt32BE(0x0001_0000, 24);
  buf.writeUInt32BE(h.maxTableEntries, 28);
  buf.writeUInt32BE(h.blockSize, 32);
  buf.writeUInt32BE(vhdChecksum(buf, 36), 36);
  return buf;
}

export const headerChecksum = (buf: Uint8Array): number => vhdChecksum(buf.subarray(0, HEADER_SIZE), 36);

/** Recomputes the checksum of a header in place (for tests that mutate one field). */
export function resealHeader(buf: Buffer): void {
  buf.writeUInt32BE(headerChecksum(buf), 36);
}
