// The 512-byte hard disk footer (vhd.md §1.2): decode any bytes without throwing, encode ours.
import { vhdChecksum } from './checksum.js';
import { FOOTER_SIZE } from './constants.js';
import type { Geometry } from './geometry.js';

export interface Footer {
  cookie: string;
  features: number;
  formatVersion: number;
  /** 64-bit: all-ones for fixed disks, so kept as a bigint. */
  dataOffset: bigint;
  /** Seconds since 2000-01-01 UTC. */
  timestamp: number;
  creatorApp: string;
  creatorVersion: number;
  creatorHostOs: number;
  originalSize: number;
  currentSize: number;
  geometry: Geometry;
  diskType: number;
  checksum: number;
  uuid: Uint8Array;
  savedState: number;
  /** blktap's "hidden" flag at byte 85 (vhd.md §1.2, trap T15). */
  hidden: number;
}

export const FOOTER_OFFSETS = {
  cookie: 0, features: 8, formatVersion: 12, dataOffset: 16, timestamp: 24, creatorApp: 28, creatorVersion: 32,
  creatorHostOs: 36, originalSize: 40, currentSize: 48, geometry: 56, diskType: 60, checksum: 64, uuid: 68,
  savedState: 84, hidden: 85, reserved: 86,
} as const;

const latin1 = (b: Uint8Array, start: number, end: number): string => Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');

/** Reads the fields of a footer; the caller judges them. `buf` must hold at least 512 bytes. */
export function decodeFooter(buf: Uint8Array): Footer {
  const v = new DataView(buf.buffer, buf.byteOffset, FOOTER_SIZE);
  return {
    cookie: latin1(buf, 0, 8),
    features: v.getUint32(8),
    formatVersion: v.getUint32(12),
    dataOffset: v.getBigUint64(16),
    timestamp: v.getUint32(24),
    creatorApp: latin1(buf, 28, 32),
    creatorVersion: v.getUint32(32),
    creatorHostOs: v.getUint32(36),
    originalSize: Number(v.getBigUint64(40)),
    currentSize: Number(v.getBigUint64(48)),
    geometry: { cylinders: v.getUint16(56), heads: v.getUint8(58), sectorsPerTrack: v.getUint8(59) },
    diskType: v.getUint32(60),
    checksum: v.getUint32(64),
    uuid: buf.slice(68, 84),
    savedState: v.getUint8(84),
    hidden: v.getUint8(85),
  };
}

/** Serialises a footer with a freshly computed checksum; reserved bytes are zero. */
export function encodeFooter(f: Omit<Footer, 'checksum'>): Buffer {
  const buf = Buffer.alloc(FOOTER_SIZE);
  buf.write(f.cookie, 0, 8, 'latin1');
  buf.writeUInt32BE(f.features, 8);
  buf.writeUInt32BE(f.formatVersion, 12);
  buf.writeBigUInt64BE(f.dataOffset, 16);
  buf.writeUInt32BE(f.timestamp, 24);
  buf.write(f.creatorApp, 28, 4, 'latin1');
  buf.writeUInt32BE(f.creatorVersion, 32);
  buf.writeUInt32BE(f.creatorHostOs, 36);
  buf.writeBigUInt64BE(BigInt(f.originalSize), 40);
  buf.writeBigUInt64BE(BigInt(f.currentSize), 48);
  buf.writeUInt16BE(f.geometry.cylinders, 56);
  buf.writeUInt8(f.geometry.heads, 58);
  buf.writeUInt8(f.geometry.sectorsPerTrack, 59);
  buf.writeUInt32BE(f.diskType, 60);
  buf.set(f.uuid.subarray(0, 16), 68);
  buf.writeUInt8(f.savedState, 84);
  buf.writeUInt8(f.hidden, 85);
  buf.writeUInt32BE(vhdChecksum(buf, 64), 64);
  return buf;
}

export const footerChecksum = (buf: Uint8Array): number => vhdChecksum(buf.subarray(0, FOOTER_SIZE), 64);

/** Recomputes the checksum of a footer in place (for tests that mutate one field). */
export function resealFooter(buf: Buffer): void {
  buf.writeUInt32BE(footerChecksum(buf), 64);
}

export const formatUuid = (u: Uint8Array): string => {
  const h = Buffer.from(u).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};
