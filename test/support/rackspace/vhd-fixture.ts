// Writes small VHD files for the push tests, and reads a footer back for the import emulator.
// Layout: vhd.md (512-byte big-endian footer, checksum = one's complement of the byte sum).
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';

export interface FixtureOptions {
  /** Disk bytes before the footer (a multiple of 512). */
  dataSize: number;
  /** 2 fixed (default), 3 dynamic, 4 differencing, anything else to provoke 523. */
  diskType?: number;
  zeroUuid?: boolean;
  /** Break the cookie: the importer's 396. */
  badCookie?: boolean;
  /** Override the footer's current (virtual) size. */
  currentSize?: bigint;
}

export function footer(opts: FixtureOptions): Buffer {
  const f = Buffer.alloc(512);
  f.write(opts.badCookie ? 'notavhd!' : 'conectix', 0, 'latin1');
  f.writeUInt32BE(2, 8);
  f.writeUInt32BE(0x00010000, 12);
  f.writeBigUInt64BE(0xffffffffffffffffn, 16); // fixed disk: no dynamic header
  f.writeUInt32BE(Math.floor(Date.now() / 1000) - 946684800, 24);
  f.write('tap\0', 28, 'latin1');
  f.writeUInt32BE(0x00010003, 32);
  const size = opts.currentSize ?? BigInt(opts.dataSize);
  f.writeBigUInt64BE(size, 40);
  f.writeBigUInt64BE(size, 48);
  f.writeUInt32BE(0, 56);
  f.writeUInt32BE(opts.diskType ?? 2, 60);
  if (!opts.zeroUuid) Buffer.from(randomUUID().replace(/-/g, ''), 'hex').copy(f, 68);
  let sum = 0;
  for (const byte of f) sum += byte;
  f.writeUInt32BE(~sum >>> 0, 64);
  return f;
}

/** A fixed VHD of random data: `dataSize` bytes of disk then the footer. */
export async function writeVhd(path: string, opts: FixtureOptions): Promise<Buffer> {
  const bytes = Buffer.concat([randomBytes(opts.dataSize), footer(opts)]);
  await writeFile(path, bytes);
  return bytes;
}

export interface ParsedFooter {
  cookieOk: boolean;
  checksumOk: boolean;
  diskType: number;
  currentSize: bigint;
  zeroUuid: boolean;
}

export function parseFooter(f: Buffer): ParsedFooter {
  let sum = 0;
  f.forEach((byte, i) => {
    if (i < 64 || i >= 68) sum += byte;
  });
  return {
    cookieOk: f.length === 512 && f.toString('latin1', 0, 8) === 'conectix',
    checksumOk: f.length === 512 && (~sum >>> 0) === f.readUInt32BE(64),
    diskType: f.length === 512 ? f.readUInt32BE(60) : 0,
    currentSize: f.length === 512 ? f.readBigUInt64BE(48) : 0n,
    zeroUuid: f.length === 512 && f.subarray(68, 84).every((b) => b === 0),
  };
}
