import { describe, expect, it } from 'vitest';
import { formatDuration, formatSize, parseDuration, parseSize, sizeHint } from '../../../src/recipe/units.js';

describe('sizes are binary', () => {
  it.each([
    ['10GiB', 10 * 1024 ** 3],
    ['10G', 10 * 1024 ** 3],
    ['512MiB', 512 * 1024 ** 2],
    ['512M', 512 * 1024 ** 2],
    ['64K', 64 * 1024],
    ['1 TiB', 1024 ** 4],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['10GB', '10gb', '1.5GiB', '10', 'GiB', '10 GiB ', '-1G', '10g'])('refuses %j', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });

  it('explains that decimal units are not accepted', () => {
    expect(sizeHint('10GB')).toMatch(/binary.*GiB or G/);
    expect(sizeHint(10)).toMatch(/Add a unit/);
    expect(sizeHint('10g')).toMatch(/case-sensitive/);
  });

  it('formats with the largest exact unit', () => {
    expect(formatSize(10 * 1024 ** 3)).toBe('10 GiB');
    expect(formatSize(1536 * 1024 ** 2)).toBe('1536 MiB');
    expect(formatSize(1000)).toBe('1000 B');
  });
});

describe('durations', () => {
  it.each([
    ['90s', 90],
    ['10m', 600],
    ['1h', 3600],
    ['1h30m', 5400],
    ['2m5s', 125],
  ])('%s is %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['90', '10 m', '1m1h', 'm', '', '1d'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats back', () => {
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
  });
});
