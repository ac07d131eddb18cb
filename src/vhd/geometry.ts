// CHS geometry from the spec appendix "CHS Calculation" (vhd.md §2.1), identical to blktap's `vhd_chs`.

export interface Geometry {
  cylinders: number;
  heads: number;
  sectorsPerTrack: number;
}

const MAX_SECTORS = 65535 * 16 * 255;

/** The spec (floor) geometry of a disk of `currentSize` bytes; blktap rounds sectors up, min 1. */
export function chs(currentSize: number): Geometry {
  let secs = Math.max(1, Math.ceil(currentSize / 512));
  secs = Math.min(secs, MAX_SECTORS);
  let spt: number;
  let heads: number;
  let cth: number;
  if (secs >= 65535 * 16 * 63) {
    spt = 255;
    heads = 16;
    cth = Math.floor(secs / spt);
  } else {
    spt = 17;
    cth = Math.floor(secs / spt);
    heads = Math.max(Math.floor((cth + 1023) / 1024), 4);
    if (cth >= heads * 1024 || heads > 16) {
      spt = 31;
      heads = 16;
      cth = Math.floor(secs / spt);
    }
    if (cth >= heads * 1024) {
      spt = 63;
      heads = 16;
      cth = Math.floor(secs / spt);
    }
  }
  return { cylinders: Math.floor(cth / heads), heads, sectorsPerTrack: spt };
}

/** blktap compares geometries packed as C<<16 | H<<8 | S (vhd.md §1.2, rule 10). */
export function packGeometry(g: Geometry): number {
  return (g.cylinders * 65536 + g.heads * 256 + g.sectorsPerTrack) >>> 0;
}

export const formatGeometry = (g: Geometry): string => `${g.cylinders}/${g.heads}/${g.sectorsPerTrack}`;
