// Directory records (ECMA-119 §9.1) and path table records (§9.4).
import { both16, both32, recordDate } from './bytes.js';

export const FLAG_DIRECTORY = 0x02;

/** Bytes before the system use area: 33 fixed + identifier + a pad byte if the identifier is even (§9.1.12). */
export function recordBase(identifierLength: number): number {
  return 33 + identifierLength + (identifierLength % 2 === 0 ? 1 : 0);
}

/** A record's length must be even (§9.1.1 with §6.8.1.1); the system use area is padded with a zero. */
export function recordLength(identifierLength: number, systemUseLength: number): number {
  const raw = recordBase(identifierLength) + systemUseLength;
  return raw + (raw % 2);
}

export interface RecordFields {
  extent: number;
  dataLength: number;
  epochSeconds: number;
  flags: number;
  identifier: Buffer;
  systemUse: Buffer;
}

export function encodeRecord(f: RecordFields): Buffer {
  const length = recordLength(f.identifier.length, f.systemUse.length);
  const buf = Buffer.alloc(length);
  buf[0] = length;
  buf[1] = 0; // no extended attribute record
  both32(buf, 2, f.extent);
  both32(buf, 10, f.dataLength);
  recordDate(buf, 18, f.epochSeconds);
  buf[25] = f.flags;
  buf[26] = 0; // not interleaved
  buf[27] = 0;
  both16(buf, 28, 1); // volume sequence number: a one-volume set
  buf[32] = f.identifier.length;
  f.identifier.copy(buf, 33);
  f.systemUse.copy(buf, recordBase(f.identifier.length));
  return buf;
}

/** §9.4: one path table record; `bigEndian` chooses the M table's byte order over the L table's. */
export function encodePathRecord(identifier: Buffer, extent: number, parentNumber: number, bigEndian: boolean): Buffer {
  const buf = Buffer.alloc(pathRecordLength(identifier.length));
  buf[0] = identifier.length;
  buf[1] = 0;
  if (bigEndian) {
    buf.writeUInt32BE(extent, 2);
    buf.writeUInt16BE(parentNumber, 6);
  } else {
    buf.writeUInt32LE(extent, 2);
    buf.writeUInt16LE(parentNumber, 6);
  }
  identifier.copy(buf, 8);
  return buf;
}

export function pathRecordLength(identifierLength: number): number {
  return 8 + identifierLength + (identifierLength % 2);
}
