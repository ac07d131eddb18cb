// The one's-complement byte sum used by the footer, the dynamic header and the batmap (vhd.md §1.3).

/** Sums unsigned bytes of `buf`, treating the 4 bytes at `fieldOffset` as zero, and complements. */
export function vhdChecksum(buf: Uint8Array, fieldOffset = -1): number {
  let sum = 0;
  for (let i = 0; i < buf.length; i++) sum += buf[i] as number;
  if (fieldOffset >= 0) for (let i = fieldOffset; i < fieldOffset + 4; i++) sum -= buf[i] as number;
  return ~sum >>> 0;
}
