// Structures no reader tool shows directly: the M (big-endian) path tables must say exactly what
// the L tables say (isoinfo reads only the L table), and both volume descriptors must agree.
import { describe, expect, it } from 'vitest';
import { createIsoBuffer } from '../../../src/guest/iso/index.js';

const SECTOR = 2048;

interface PathRow { name: string; extent: number; parent: number }

function readTable(iso: Buffer, sector: number, size: number, bigEndian: boolean): PathRow[] {
  const rows: PathRow[] = [];
  let at = sector * SECTOR;
  const end = at + size;
  while (at < end) {
    const len = iso[at] ?? 0;
    rows.push({
      extent: bigEndian ? iso.readUInt32BE(at + 2) : iso.readUInt32LE(at + 2),
      parent: bigEndian ? iso.readUInt16BE(at + 6) : iso.readUInt16LE(at + 6),
      name: iso.subarray(at + 8, at + 8 + len).toString('hex'),
    });
    at += 8 + len + (len % 2);
  }
  return rows;
}

describe('ISO path tables and descriptors', () => {
  it('give the same directories in the L and the M table, for the primary and the Joliet volume', async () => {
    const iso = await createIsoBuffer({ 'a/b/c/x': Buffer.from('x'), 'openstack/latest/meta_data.json': Buffer.from('{}'), 'openstack/2018-08-27/meta_data.json': Buffer.from('{}') }, { volumeId: 'config-2' });
    for (const descriptor of [16, 17]) {
      const d = descriptor * SECTOR;
      expect(iso[d]).toBe(descriptor === 16 ? 1 : 2);
      const size = iso.readUInt32LE(d + 132);
      expect(iso.readUInt32BE(d + 136)).toBe(size); // both-byte order
      const l = readTable(iso, iso.readUInt32LE(d + 140), size, false);
      const m = readTable(iso, iso.readUInt32BE(d + 148), size, true);
      expect(l).toHaveLength(7); // /, a, openstack, a/b, openstack/2018-08-27, openstack/latest, a/b/c
      expect(m).toEqual(l);
      expect(l[0]).toMatchObject({ name: '00', parent: 1 });
      // Parents come before their children (ECMA-119 §9.4: ordered by level, then parent).
      l.forEach((row, i) => expect(row.parent).toBeLessThanOrEqual(i === 0 ? 1 : i));
    }
    expect(iso.readUInt32LE(16 * SECTOR + 80)).toBe(iso.length / SECTOR); // volume space size
    expect(iso.readUInt32LE(17 * SECTOR + 80)).toBe(iso.length / SECTOR);
    expect(iso[18 * SECTOR]).toBe(255); // set terminator
  });
});
