// CHS geometry follows the spec's algorithm; values from vhd.md §1.8 and §2.2 (qemu-img measured).
import { describe, expect, it } from 'vitest';
import { chs } from '../../../src/vhd/geometry.js';
import { parseSize } from '../../../src/vhd/index.js';

const GiB = 1024 ** 3;

describe('chs', () => {
  it.each([
    [12_582_912, '361/4/17'],
    [1 * GiB, '2080/16/63'],
    [10 * GiB, '20805/16/63'],
    [40 * GiB, '20560/16/255'],
    [160 * GiB, '65535/16/255'],
  ])('%i bytes → %s', (size, expected) => {
    const g = chs(size);
    expect(`${g.cylinders}/${g.heads}/${g.sectorsPerTrack}`).toBe(expected);
  });

  it('never describes more than the disk (the product is rounded down)', () => {
    for (let size = 512; size < 200 * GiB; size = Math.floor(size * 1.37) + 512) {
      const g = chs(size);
      expect(g.cylinders * g.heads * g.sectorsPerTrack * 512).toBeLessThanOrEqual(Math.max(size, 512 * 17 * 4));
    }
  });
});

describe('parseSize', () => {
  it.each([
    ['160G', 160 * GiB],
    ['160GiB', 160 * GiB],
    ['160GB', 160e9],
    ['512M', 512 * 1024 ** 2],
    ['1073741824', GiB],
  ])('%s → %i', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it('rejects what is not a size, naming the forms it takes', () => {
    expect(() => parseSize('lots')).toThrow(/not a size/);
  });
});
