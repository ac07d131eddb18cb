// Field encoders shared by the ISO 9660 structures (ECMA-119 §7: numerical values and dates).
// ISO 9660 writes most numbers twice, little-endian then big-endian ("both-byte order", §7.2.3
// and §7.3.3), so a reader on either kind of machine can take its native half.

export const SECTOR = 2048;

/** Sectors 0–15 are the system area; the first volume descriptor is at sector 16 (ECMA-119 §6.2.1). */
export const FIRST_DESCRIPTOR_SECTOR = 16;

export function sectorsFor(bytes: number): number {
  return Math.ceil(bytes / SECTOR);
}

/** §7.2.3: 16-bit both-byte order, 4 bytes. */
export function both16(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt16LE(value, offset);
  buf.writeUInt16BE(value, offset + 2);
}

/** §7.3.3: 32-bit both-byte order, 8 bytes. */
export function both32(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt32LE(value, offset);
  buf.writeUInt32BE(value, offset + 4);
}

/** Writes `text` into a fixed-width field padded with spaces (§8.4: a- and d-character fields). */
export function padAscii(buf: Buffer, offset: number, width: number, text: string): void {
  buf.fill(0x20, offset, offset + width);
  buf.write(text.slice(0, width), offset, 'latin1');
}

/** The Joliet variant: UCS-2 big-endian, padded with U+0020 (Joliet spec §4 "character set"). */
export function padUcs2(buf: Buffer, offset: number, width: number, text: string): void {
  for (let i = offset; i + 1 < offset + width; i += 2) buf.writeUInt16BE(0x0020, i);
  const encoded = ucs2be(text);
  encoded.copy(buf, offset, 0, Math.min(encoded.length, width - (width % 2)));
}

/** UTF-16 big-endian bytes: what Joliet calls UCS-2 (Joliet spec §5.2). */
export function ucs2be(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

/** §9.1.5: the 7-byte recording date of a directory record, UTC (offset 0). */
export function recordDate(buf: Buffer, offset: number, epochSeconds: number): void {
  const d = new Date(epochSeconds * 1000);
  buf[offset] = d.getUTCFullYear() - 1900;
  buf[offset + 1] = d.getUTCMonth() + 1;
  buf[offset + 2] = d.getUTCDate();
  buf[offset + 3] = d.getUTCHours();
  buf[offset + 4] = d.getUTCMinutes();
  buf[offset + 5] = d.getUTCSeconds();
  buf[offset + 6] = 0;
}

/** §8.4.26.1: the 17-byte volume date, "YYYYMMDDHHMMSScc" in digits plus a GMT offset byte. */
export function volumeDate(buf: Buffer, offset: number, epochSeconds: number | undefined): void {
  if (epochSeconds === undefined) {
    // "Not specified": sixteen '0' digits and a zero offset (§8.4.26.1).
    buf.fill(0x30, offset, offset + 16);
    buf[offset + 16] = 0;
    return;
  }
  const iso = new Date(epochSeconds * 1000).toISOString(); // 1970-01-01T00:00:00.000Z
  const digits = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + iso.slice(20, 22);
  buf.write(digits, offset, 'latin1');
  buf[offset + 16] = 0;
}
