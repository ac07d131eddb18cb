// System Use Sharing Protocol (SUSP 1.10) and Rock Ridge (RRIP 1.09, "RRIP_1991A") entries that
// give primary-volume records their POSIX names and modes. Linux's isofs and libisofs (xorriso)
// both read them; cloud-init mounts the seed with the kernel, so these names are what it sees.
import { both32, recordDate } from './bytes.js';

export interface SuspEntry {
  signature: string;
  version: number;
  data: Buffer;
}

export function entrySize(entry: SuspEntry): number {
  return 4 + entry.data.length;
}

export function encodeEntries(entries: readonly SuspEntry[]): Buffer {
  return Buffer.concat(
    entries.map((e) => {
      const head = Buffer.from([e.signature.charCodeAt(0), e.signature.charCodeAt(1), entrySize(e), e.version]);
      return Buffer.concat([head, e.data]);
    }),
  );
}

/** SUSP §5.3: "SP" in the root's "." record announces SUSP; 0xBE 0xEF check bytes, skip 0. */
export function sp(): SuspEntry {
  return { signature: 'SP', version: 1, data: Buffer.from([0xbe, 0xef, 0]) };
}

/** RRIP 1.09 §4.1.7 "RR": which RRIP entries the record carries (PX=1, NM=8, TF=128). */
export const RR_PX = 0x01;
export const RR_NM = 0x08;
export const RR_TF = 0x80;
export function rr(flags: number): SuspEntry {
  return { signature: 'RR', version: 1, data: Buffer.from([flags]) };
}

/** RRIP §4.1.1 "PX": mode, links, uid, gid (36 bytes in 1.09; 1.12 adds a serial number). */
export function px(mode: number, links: number): SuspEntry {
  const data = Buffer.alloc(32);
  both32(data, 0, mode);
  both32(data, 8, links);
  both32(data, 16, 0); // uid root: the seed is read-only data, owned by nobody in particular
  both32(data, 24, 0);
  return { signature: 'PX', version: 1, data };
}

/** RRIP §4.1.6 "TF": modify, access and attribute-change times (flags 0x0E), 7-byte form. */
export function tf(epochSeconds: number): SuspEntry {
  const data = Buffer.alloc(1 + 3 * 7);
  data[0] = 0x0e;
  for (let i = 0; i < 3; i++) recordDate(data, 1 + i * 7, epochSeconds);
  return { signature: 'TF', version: 1, data };
}

/**
 * RRIP §4.1.4 "NM": the real name. One entry holds at most 250 bytes (the length byte counts
 * the 5-byte head), so longer names are split with the CONTINUE flag (bit 0).
 */
export function nm(name: string): SuspEntry[] {
  const bytes = Buffer.from(name, 'utf8');
  const out: SuspEntry[] = [];
  for (let at = 0; at < bytes.length || out.length === 0; at += 200) {
    const chunk = bytes.subarray(at, at + 200);
    const more = at + 200 < bytes.length;
    out.push({ signature: 'NM', version: 1, data: Buffer.concat([Buffer.from([more ? 1 : 0]), chunk]) });
  }
  return out;
}

// RRIP 1.09 §5.1 fixes the "ER" identifier and recommends these texts for the descriptor and source.
const ER_ID = 'RRIP_1991A';
const ER_DESCRIPTOR = 'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS';
const ER_SOURCE = 'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.';

/** SUSP §5.5 "ER": names the extension in use; too long for the root record, so it goes to a CE area. */
export function er(): SuspEntry {
  const head = Buffer.from([ER_ID.length, ER_DESCRIPTOR.length, ER_SOURCE.length, 1]);
  return { signature: 'ER', version: 1, data: Buffer.concat([head, Buffer.from(ER_ID + ER_DESCRIPTOR + ER_SOURCE, 'latin1')]) };
}

/** SUSP §5.1 "CE": where the rest of this record's entries continue (block, offset, length). */
export const CE_SIZE = 28;
export function ce(block: number, offset: number, length: number): SuspEntry {
  const data = Buffer.alloc(24);
  both32(data, 0, block);
  both32(data, 8, offset);
  both32(data, 16, length);
  return { signature: 'CE', version: 1, data };
}

/**
 * Fits entries into the `room` a directory record has left (a record is at most 255 bytes,
 * ECMA-119 §9.1.1): what does not fit moves to a continuation area behind a CE entry.
 */
export function splitEntries(entries: readonly SuspEntry[], room: number): { inline: SuspEntry[]; spill: SuspEntry[] } {
  const total = entries.reduce((sum, e) => sum + entrySize(e), 0);
  if (total <= room) return { inline: [...entries], spill: [] };
  const inline: SuspEntry[] = [];
  let used = CE_SIZE;
  let i = 0;
  for (; i < entries.length; i++) {
    const entry = entries[i];
    if (entry === undefined || used + entrySize(entry) > room) break;
    inline.push(entry);
    used += entrySize(entry);
  }
  return { inline, spill: entries.slice(i) };
}
