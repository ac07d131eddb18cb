// Reads ISO images back with independent tools (genisoimage's isoinfo, xorriso/osirrox), the
// oracle for ingot's ISO writer (STYLE.md §11). Each call runs the real binary.
import { execFileSync } from 'node:child_process';

const run = (tool: string, args: string[]): Buffer => execFileSync(tool, args, { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });

/** `isoinfo -d`: the volume descriptor summary as text. */
export function isoinfoDescribe(iso: string): string {
  return run('isoinfo', ['-d', '-i', iso]).toString('utf8');
}

export interface Listed {
  dir: boolean;
  size: number;
  mode: string;
  /** First sector of the data (isoinfo prints it in brackets). */
  extent: number;
}

/** `isoinfo -l` with Rock Ridge (`R`), Joliet (`J`) or plain ISO 9660 names (`I`): path → entry. */
export function isoinfoList(iso: string, names: 'R' | 'J' | 'I'): Map<string, Listed> {
  const flags = names === 'I' ? [] : [`-${names}`];
  const text = run('isoinfo', ['-l', ...flags, '-i', iso]).toString('utf8');
  const out = new Map<string, Listed>();
  let dir = '/';
  for (const line of text.split('\n')) {
    const heading = /^Directory listing of (.*)$/.exec(line);
    if (heading?.[1] !== undefined) {
      dir = heading[1];
      continue;
    }
    // "-r--r--r--   1    0    0      15 Nov 14 2023 [     48 00]  meta-data "
    const m = /^([d-][rwx-]{9})\s+\d+\s+\d+\s+\d+\s+(\d+)\s+\w{3}\s+\d+\s+\d{4}\s+\[\s*(\d+)\s+\d+\]\s+(.*?) ?$/.exec(line);
    if (m === null) continue;
    const [, mode = '', size = '0', extent = '0', name = ''] = m;
    if (name === '.' || name === '..') continue;
    out.set(dir + name, { dir: mode.startsWith('d'), size: Number(size), mode, extent: Number(extent) });
  }
  return out;
}

/** `isoinfo -x PATH`: one file's bytes, looked up by its Rock Ridge, Joliet or ISO 9660 path. */
export function isoinfoExtract(iso: string, path: string, names: 'R' | 'J' | 'I'): Buffer {
  const flags = names === 'I' ? [] : [`-${names}`];
  return run('isoinfo', [...flags, '-i', iso, '-x', path]);
}

/** `xorriso -indev ISO -find /`: every path in the tree xorriso loads (Rock Ridge by default). */
export function xorrisoFind(iso: string, extra: string[] = []): string[] {
  const text = run('xorriso', ['-indev', iso, ...extra, '-find', '/']).toString('utf8');
  return text.split('\n').filter((l) => l.startsWith("'")).map((l) => l.slice(1, -1));
}

/** `osirrox -extract / DIR`: the whole tree written out as real files. */
export function osirroxExtract(iso: string, dir: string): void {
  run('osirrox', ['-indev', iso, '-extract', '/', dir]);
}

/** `xorriso -pvd_info`: the primary volume descriptor as xorriso reports it. */
export function xorrisoPvd(iso: string): string {
  return run('xorriso', ['-indev', iso, '-pvd_info']).toString('utf8');
}

/** `isoinfo -p`: the (L) path table as full directory paths → extent, built from parent numbers. */
export function isoinfoPathTable(iso: string, names: 'J' | 'I'): Map<string, number> {
  const flags = names === 'I' ? [] : [`-${names}`];
  const text = run('isoinfo', ['-p', ...flags, '-i', iso]).toString('utf8');
  const rows: Array<{ parent: number; extent: number; name: string }> = [];
  for (const line of text.split('\n')) {
    // "   3:    1 19 OPENSTAC": number, parent number, extent (hex), identifier
    const m = /^\s*\d+:\s+(\d+)\s+([0-9a-f]+)\s?(.*)$/.exec(line);
    if (m !== null) rows.push({ parent: Number(m[1]), extent: parseInt(m[2] ?? '0', 16), name: (m[3] ?? '').trimEnd() });
  }
  const paths: string[] = [];
  const out = new Map<string, number>();
  rows.forEach((row, i) => {
    const path = i === 0 ? '/' : `${paths[row.parent - 1] === '/' ? '' : paths[row.parent - 1]}/${row.name}`;
    paths.push(path);
    out.set(path, row.extent);
  });
  return out;
}
