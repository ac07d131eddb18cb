// Sizes on the command line: "160G", "40GiB", "10GB", "512M", "1073741824".
import { IngotError } from '../errors/index.js';

const UNITS: Record<string, number> = {
  '': 1, B: 1, K: 1024, KIB: 1024, M: 1024 ** 2, MIB: 1024 ** 2, G: 1024 ** 3, GIB: 1024 ** 3, T: 1024 ** 4, TIB: 1024 ** 4,
  KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12,
};

/** Parses a byte size; K/M/G/T and KiB… are binary, KB/MB/GB/TB decimal. */
export function parseSize(text: string, option = '--max-size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = UNITS[(m?.[2] ?? '').toUpperCase()];
  if (!m || unit === undefined) {
    throw new IngotError('USAGE', `${option}: '${text}' is not a size`, { hint: 'Give bytes or a number with a unit: 160G, 160GiB (binary), 160GB (decimal), 512M.' });
  }
  return Math.floor(Number(m[1]) * unit);
}
