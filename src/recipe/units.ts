// Sizes and durations as recipes write them. Sizes are binary (powers of 1024), like qemu-img's
// `10G`; decimal units (`GB`) are rejected rather than guessed, so a disk is never 7 % smaller
// than its author thought (docs/recipes.md, "Sizes").

/** `10GiB`, `512MiB`, `10G`, `512M`; an optional space before the unit; whole numbers only. */
export const SIZE_PATTERN = /^[0-9]+ ?(KiB|MiB|GiB|TiB|K|M|G|T)$/;

/** `90s`, `10m`, `1h`, `1h30m`: hours, minutes, seconds in that order, at least one part. */
export const DURATION_PATTERN = /^(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?$/;

const SIZE_FACTORS: Record<string, number> = {
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/** Bytes of a size string that matches SIZE_PATTERN; undefined for anything else. */
export function parseSize(text: string): number | undefined {
  const match = SIZE_PATTERN.exec(text);
  if (!match) return undefined;
  const unit = match[1]!.charAt(0);
  return Number.parseInt(text, 10) * SIZE_FACTORS[unit]!;
}

/** Seconds of a duration string that matches DURATION_PATTERN; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  const [, h, m, s] = match;
  return (h ? Number.parseInt(h, 10) * 3600 : 0) + (m ? Number.parseInt(m, 10) * 60 : 0) + (s ? Number.parseInt(s, 10) : 0);
}

/** Why a size was refused, in words a user can act on. */
export function sizeHint(found: unknown): string {
  if (typeof found === 'number') return `Add a unit: write ${found}GiB, ${found}MiB or ${found}G (sizes are binary, powers of 1024).`;
  const text = String(found).trim();
  if (/^[0-9.]+ ?(kb|mb|gb|tb|k?b)$/i.test(text)) {
    return "ingot's sizes are binary (powers of 1024): write GiB or G (10GiB = 10G), MiB or M; decimal units like GB are not accepted.";
  }
  if (/^[0-9]+\.[0-9]+/.test(text)) return 'Use a whole number with a smaller unit, e.g. 1536MiB instead of 1.5GiB.';
  if (/^[0-9]+ ?[kmgt](ib)?$/i.test(text)) return 'Units are case-sensitive: K, M, G, T or KiB, MiB, GiB, TiB.';
  return 'Write a whole number and a binary unit: 10GiB, 512MiB, 10G or 512M.';
}

export function durationHint(found: unknown): string {
  if (typeof found === 'number') return `Add a unit: ${found}s, ${found}m or ${found}h.`;
  return 'Write a number and a unit, s, m or h, largest first: 90s, 10m, 1h, 1h30m.';
}

/** Bytes as the largest binary unit that divides them exactly: 10737418240 → "10 GiB". */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [['TiB', 1024 ** 4], ['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor} ${unit}`;
  }
  return `${bytes} B`;
}

/** Seconds as h/m/s: 5400 → "1h30m". */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const text = `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
  return text === '' ? '0s' : text;
}
