// ingot's ISO 9660 writer read back by the real isoinfo (genisoimage) and xorriso/osirrox:
// names, sizes, contents and labels must come back exactly as given.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIso, createIsoBuffer, createIsoFile, isoFile, type IsoTree } from '../../../src/guest/iso/index.js';
import { isoinfoDescribe, isoinfoExtract, isoinfoList, isoinfoPathTable, osirroxExtract, xorrisoFind, xorrisoPvd } from '../../support/guest-iso/iso-tools.js';

const work = mkdtempSync(join(tmpdir(), 'ingot-iso-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Bytes that differ at every position, so a misplaced sector shows as a mismatch. */
function pattern(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const shared = Buffer.from('{"uuid":"same-object-twice"}\n');
const onDisk = join(work, 'on-disk.bin');
writeFileSync(onDisk, pattern(5000, 9));

/** Path (Rock Ridge / Joliet name) → expected bytes. */
const expected = new Map<string, Buffer>([
  ['/user-data', Buffer.from('#cloud-config\nruncmd: [echo hi]\n')],
  ['/meta-data', Buffer.from('instance-id: i-123\nlocal-hostname: web-1\n')],
  ['/network-config', Buffer.from('version: 2\n')],
  ['/empty', Buffer.alloc(0)],
  ['/exactly-one-sector.bin', pattern(2048, 1)],
  ['/multi-sector.bin', pattern(2049, 2)],
  ['/over-64k.img', pattern(65_536 + 4097, 3)],
  ['/openstack/latest/meta_data.json', shared],
  ['/openstack/2018-08-27/meta_data.json', shared],
  ['/openstack/latest/network_data.json', Buffer.from('{"links":[],"networks":[],"services":[]}')],
  ['/openstack/latest/user_data', Buffer.from('#cloud-config\n')],
  ['/Mixed.Case.Name.With.Many.Dots.tar.gz', pattern(10, 4)],
  ['/same-prefix-aaaaaaaaaaa-1', Buffer.from('1')],
  ['/same-prefix-aaaaaaaaaaa-2', Buffer.from('2')],
  ['/a-name-of-exactly-sixty-four-characters-for-joliet-0123456789abc', Buffer.from('64')],
  ['/l1/l2/l3/l4/l5/l6/l7/deepest-file.txt', Buffer.from('seven directories below the root\n')],
  ['/from-disk/copied.bin', readFileSync(onDisk)],
]);
// Enough entries that the directory's records fill more than one 2048-byte sector.
for (let i = 0; i < 40; i++) expected.set(`/crowded/entry-number-${String(i).padStart(3, '0')}.json`, Buffer.from(`{"n":${i}}`));

function tree(): IsoTree {
  const t: IsoTree = {};
  for (const [path, bytes] of expected) t[path.slice(1)] = path === '/from-disk/copied.bin' ? isoFile(onDisk) : bytes;
  return t;
}
const dirs = ['/openstack', '/openstack/latest', '/openstack/2018-08-27', '/l1', '/l1/l2', '/l1/l2/l3', '/l1/l2/l3/l4', '/l1/l2/l3/l4/l5', '/l1/l2/l3/l4/l5/l6', '/l1/l2/l3/l4/l5/l6/l7', '/from-disk', '/crowded'];

describe('an ISO written by ingot, read back by isoinfo and xorriso', () => {
  const iso = join(work, 'seed.iso');
  let length = 0;

  beforeAll(async () => {
    const image = await createIso(tree(), { volumeId: 'cidata', epochSeconds: 1_700_000_000 });
    length = image.length;
    const chunks: Buffer[] = [];
    for await (const chunk of image.stream) chunks.push(chunk as Buffer);
    writeFileSync(iso, Buffer.concat(chunks));
  });

  it('streams exactly the length it announced, in whole sectors', () => {
    expect(readFileSync(iso).length).toBe(length);
    expect(length % 2048).toBe(0);
  });

  it('carries the volume label, Rock Ridge and Joliet (isoinfo -d)', () => {
    const d = isoinfoDescribe(iso);
    expect(d).toMatch(/^Volume id: cidata$/m);
    expect(d).toMatch(/Rock Ridge signatures version 1 found/);
    expect(d).toMatch(/Joliet with UCS level 3 found/);
    expect(d).toMatch(new RegExp(`^Volume size is: ${length / 2048}$`, 'm'));
  });

  it('lists every real name and size under Rock Ridge and under Joliet (isoinfo -l)', () => {
    for (const names of ['R', 'J'] as const) {
      const listed = isoinfoList(iso, names);
      const files = [...listed].filter(([, e]) => !e.dir).map(([p, e]) => [p, e.size]);
      expect(new Map(files as Array<[string, number]>)).toEqual(new Map([...expected].map(([p, b]) => [p, b.length])));
      expect([...listed].filter(([, e]) => e.dir).map(([p]) => p).sort()).toEqual([...dirs].sort());
    }
  });

  it('gives Rock Ridge modes: read-only files and directories', () => {
    const listed = isoinfoList(iso, 'R');
    expect(listed.get('/user-data')?.mode).toBe('-r--r--r--');
    expect(listed.get('/openstack')?.mode).toBe('dr-xr-xr-x');
  });

  it('returns every file byte for byte by its Rock Ridge and its Joliet path (isoinfo -x)', () => {
    // One file of each kind (osirrox below reads them all): isoinfo takes 0.1–0.3 s a call.
    const kinds = ['/user-data', '/empty', '/exactly-one-sector.bin', '/multi-sector.bin', '/over-64k.img', '/openstack/2018-08-27/meta_data.json',
      '/Mixed.Case.Name.With.Many.Dots.tar.gz', '/a-name-of-exactly-sixty-four-characters-for-joliet-0123456789abc', '/l1/l2/l3/l4/l5/l6/l7/deepest-file.txt',
      '/from-disk/copied.bin', '/crowded/entry-number-039.json'];
    const sample = [...expected].filter(([p]) => kinds.includes(p));
    expect(sample).toHaveLength(kinds.length);
    for (const [path, bytes] of sample) {
      expect(isoinfoExtract(iso, path, 'R').equals(bytes), `${path} via Rock Ridge`).toBe(true);
      expect(isoinfoExtract(iso, path, 'J').equals(bytes), `${path} via Joliet`).toBe(true);
    }
  });

  it('has path tables that agree with the directory records, for both trees (isoinfo -p)', () => {
    for (const names of ['I', 'J'] as const) {
      const listed = isoinfoList(iso, names);
      const fromRecords = new Map([...listed].filter(([, e]) => e.dir).map(([p, e]) => [p, e.extent]));
      const table = isoinfoPathTable(iso, names);
      const root = table.get('/');
      table.delete('/');
      expect(table, `${names} path table`).toEqual(fromRecords);
      expect(root).toBeGreaterThan(16);
    }
  });

  it('keeps plain ISO 9660 level 1 names for readers without extensions', () => {
    const plain = isoinfoList(iso, 'I');
    expect(plain.get('/USER_DAT.;1')?.size).toBe(expected.get('/user-data')?.length);
    expect(plain.has('/OPENSTAC/LATEST/META_DAT.JSO;1')).toBe(true);
    expect([...plain.keys()].every((p) => /^[A-Z0-9_/.;]+$/.test(p))).toBe(true);
    expect(isoinfoExtract(iso, '/OPENSTAC/LATEST/NETWORK_.JSO;1', 'I').equals(expected.get('/openstack/latest/network_data.json') as Buffer)).toBe(true);
  });

  it('is loaded by xorriso with the same tree (xorriso -find), under Rock Ridge and under Joliet alone', () => {
    const all = ['/', ...dirs, ...expected.keys()].sort();
    expect(xorrisoFind(iso).sort()).toEqual(all);
    expect(xorrisoFind(iso, ['-rockridge', 'off', '-joliet', 'on']).sort()).toEqual(all);
    expect(xorrisoPvd(iso)).toMatch(/Volume Id\s*: cidata/);
  });

  it('extracts with osirrox to files identical to the input', () => {
    const out = join(work, 'extracted');
    osirroxExtract(iso, out);
    for (const [path, bytes] of expected) expect(readFileSync(join(out, path)).equals(bytes), path).toBe(true);
  });

  it('stores content given twice as one object once (both names read the same extent)', () => {
    const listed = isoinfoList(iso, 'R');
    expect(listed.get('/openstack/latest/meta_data.json')?.size).toBe(shared.length);
    const data = readFileSync(iso);
    expect(data.indexOf(shared)).toBeGreaterThan(0);
    expect(data.indexOf(shared, data.indexOf(shared) + 1)).toBe(-1);
  });
});

describe('ISO determinism', () => {
  it('gives the same bytes for the same tree and epoch, and different bytes for another epoch', async () => {
    const a = await createIsoBuffer(tree(), { volumeId: 'config-2', epochSeconds: 1_600_000_000 });
    const b = await createIsoBuffer(tree(), { volumeId: 'config-2', epochSeconds: 1_600_000_000 });
    const c = await createIsoBuffer(tree(), { volumeId: 'config-2', epochSeconds: 1_600_000_001 });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('writes the epoch as the volume dates xorriso reports', async () => {
    const path = join(work, 'dated.iso');
    const length = await createIsoFile({ 'user-data': Buffer.from('x') }, { volumeId: 'config-2', epochSeconds: 1_700_000_000 }, path);
    expect(readFileSync(path).length).toBe(length);
    const pvd = xorrisoPvd(path);
    expect(pvd).toMatch(/Volume Id\s*: config-2/);
    expect(pvd).toMatch(/Creation Time: 2023111422132000/); // 2023-11-14T22:13:20Z
  });
});

describe('non-ASCII names', () => {
  it('come back unchanged under Rock Ridge (isoinfo -R, xorriso) and Joliet (xorriso)', async () => {
    const path = join(work, 'unicode.iso');
    await createIsoFile({ 'café-ü.txt': Buffer.from('1'), 'dir-ß/€uro': Buffer.from('2') }, { volumeId: 'cidata' }, path);
    const want = ['/', '/café-ü.txt', '/dir-ß', '/dir-ß/€uro'];
    expect([...isoinfoList(path, 'R').keys()].sort()).toEqual(want.slice(1).sort());
    expect(xorrisoFind(path).sort()).toEqual(want.sort());
    expect(xorrisoFind(path, ['-rockridge', 'off', '-joliet', 'on']).sort()).toEqual(want.sort());
  });
});

describe('ISO writer streaming from disk', () => {
  it('fails with ISO_SOURCE_CHANGED when a file on disk shrinks between layout and write', async () => {
    const path = join(work, 'shrinks.bin');
    writeFileSync(path, pattern(10_000, 5));
    const image = await createIso({ 'f.bin': isoFile(path) }, { volumeId: 'cidata' });
    writeFileSync(path, pattern(100, 5));
    const drain = async (): Promise<void> => {
      for await (const _ of image.stream) { /* consume */ }
    };
    await expect(drain()).rejects.toMatchObject({ code: 'ISO_SOURCE_CHANGED' });
  });
});
