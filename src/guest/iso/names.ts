// File identifiers of the two directory trees: ISO 9660 level 1 names for the primary volume
// (what a reader without extensions sees) and Joliet UCS-2 names; Rock Ridge NM entries carry
// the real name for POSIX readers (Linux, cloud-init's mount), see rockridge.ts.
import { ucs2be } from './bytes.js';

/** d-characters (ECMA-119 §7.4.1): A–Z, 0–9 and "_"; anything else becomes "_". */
function dChars(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/**
 * Level 1 identifiers (§10.1): files "NAME8.EXT;1" (the "." is always written, §7.5.1),
 * directories up to 8 characters. Collisions inside one directory get a numeric tail.
 */
export function primaryNames(names: ReadonlyArray<{ name: string; dir: boolean }>): string[] {
  const taken = new Set<string>();
  return names.map(({ name, dir }) => {
    const dot = dir ? -1 : name.lastIndexOf('.');
    const stem = dChars(dot > 0 ? name.slice(0, dot) : name) || '_';
    const ext = dot > 0 ? dChars(name.slice(dot + 1)).slice(0, 3) : '';
    const make = (s: string): string => (dir ? s : `${s}.${ext};1`);
    let candidate = make(stem.slice(0, 8));
    for (let n = 1; taken.has(candidate); n++) {
      const tail = String(n);
      candidate = make(stem.slice(0, 8 - tail.length) + tail);
    }
    taken.add(candidate);
    return candidate;
  });
}

/**
 * Joliet identifiers: the real name in UCS-2 big-endian, without the ";1" version. genisoimage
 * omits it too, Linux and xorriso accept both, and `isoinfo -J -x /user-data` then finds the file.
 */
export function jolietName(name: string): Buffer {
  return ucs2be(name);
}

/**
 * §9.3: records are ordered by file name, then extension, each compared as if padded with
 * spaces (0x20 for d-characters; U+0020 for Joliet), so "A" sorts before "A_" and "AB".
 * `unit` is the code unit size: 1 byte for ISO 9660, 2 for Joliet.
 */
export function compareIdentifiers(a: Buffer, b: Buffer, unit: 1 | 2): number {
  const [aName, aExt] = splitAtDot(a, unit);
  const [bName, bExt] = splitAtDot(b, unit);
  return comparePadded(aName, bName, unit) || comparePadded(aExt, bExt, unit);
}

function splitAtDot(id: Buffer, unit: 1 | 2): [Buffer, Buffer] {
  // The version ";1" is the same everywhere it appears, so it is compared with the extension.
  for (let i = 0; i < id.length; i += unit) {
    const code = unit === 1 ? id[i] : id.readUInt16BE(i);
    if (code === 0x2e) return [id.subarray(0, i), id.subarray(i + unit)];
  }
  return [id, Buffer.alloc(0)];
}

function comparePadded(a: Buffer, b: Buffer, unit: 1 | 2): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i += unit) {
    const x = i < a.length ? (unit === 1 ? (a[i] ?? 0) : a.readUInt16BE(i)) : 0x20;
    const y = i < b.length ? (unit === 1 ? (b[i] ?? 0) : b.readUInt16BE(i)) : 0x20;
    if (x !== y) return x - y;
  }
  return 0;
}
