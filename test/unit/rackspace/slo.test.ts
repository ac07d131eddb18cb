// Segment planning and the SLO manifest (rackspace.md §2.1, §2.4; traps 11–14).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GiB, MiB, manifestBody, parseSize, planSegments, segments, sloEtag } from '../../../src/rackspace/slo.js';

describe('segment plan', () => {
  it('uses one PUT when the file fits in one segment', () => {
    expect(planSegments(100 * MiB)).toMatchObject({ single: true, count: 1, segmentSize: 256 * MiB });
  });

  it('chooses 256 MiB segments for ordinary images and grows them to stay within 1000 segments', () => {
    expect(planSegments(40 * GiB)).toMatchObject({ single: false, segmentSize: 256 * MiB, count: 160 });
    const big = planSegments(300 * GiB);
    expect(big.count).toBeLessThanOrEqual(1000);
    expect(big.segmentSize % MiB).toBe(0);
    expect(big.segmentSize).toBe(308 * MiB); // ceil(300 GiB / 1000) rounded up to a MiB
  });

  it('refuses segments under 1 MiB, over 5 GiB, or more than 1000 of them', () => {
    expect(() => planSegments(10 * MiB, 512 * 1024)).toThrow(/between 1 MiB and 5 GiB/);
    expect(() => planSegments(10 * MiB, 6 * GiB)).toThrow(/between 1 MiB and 5 GiB/);
    expect(() => planSegments(2 * GiB, MiB)).toThrow(/needs 2048 segments; Cloud Files allows 1000/);
  });

  it('names segments like python-swiftclient so a re-run finds them, the last one short', () => {
    const plan = planSegments(2 * MiB + 5, MiB);
    const list = segments('disk.vhd', plan, 1700000000);
    expect(list.map((s) => [s.name, s.offset, s.length])).toEqual([
      [`disk.vhd/slo/1700000000/${2 * MiB + 5}/${MiB}/00000000`, 0, MiB],
      [`disk.vhd/slo/1700000000/${2 * MiB + 5}/${MiB}/00000001`, MiB, MiB],
      [`disk.vhd/slo/1700000000/${2 * MiB + 5}/${MiB}/00000002`, 2 * MiB, 5],
    ]);
  });
});

describe('SLO manifest', () => {
  const parts = [
    { container: 'img_segments', name: 'a b/ü?/00000000', etag: '0228c7926b8b642dfb29554cd1f00963', size: MiB },
    { container: 'img_segments', name: 'a b/ü?/00000001', etag: '5bfc9ea51a00b790717eeb934fb77b9b', size: 7 },
  ];

  it('writes paths as /container/object without URL-encoding, with etag and size_bytes', () => {
    expect(JSON.parse(manifestBody(parts))).toEqual([
      { path: '/img_segments/a b/ü?/00000000', etag: '0228c7926b8b642dfb29554cd1f00963', size_bytes: MiB },
      { path: '/img_segments/a b/ü?/00000001', etag: '5bfc9ea51a00b790717eeb934fb77b9b', size_bytes: 7 },
    ]);
  });

  it('expects the SLO Etag to be the md5 of the concatenated segment etags', () => {
    expect(sloEtag(parts)).toBe(createHash('md5').update('0228c7926b8b642dfb29554cd1f009635bfc9ea51a00b790717eeb934fb77b9b').digest('hex'));
  });

  it('parses sizes in binary units', () => {
    expect(parseSize('1M')).toBe(MiB);
    expect(parseSize('256MiB')).toBe(256 * MiB);
    expect(parseSize('1G')).toBe(GiB);
    expect(parseSize('1048576')).toBe(MiB);
    expect(parseSize('lots')).toBeUndefined();
  });
});
