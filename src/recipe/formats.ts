// The string formats recipe fields must match. Each has the words a finding uses for
// "expected" and, where a common mistake is recognisable, a hint. The schema uses the patterns
// (so recipes/schema.json carries them too); the issue translator finds the words by pattern.
import { DURATION_PATTERN, SIZE_PATTERN, durationHint, sizeHint } from './units.js';

export interface StringFormat {
  pattern: RegExp;
  expected: string;
  hint?: (found: unknown) => string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const FORMATS = {
  size: { pattern: SIZE_PATTERN, expected: 'a size like 10GiB, 512MiB or 10G', hint: sizeHint },
  duration: { pattern: DURATION_PATTERN, expected: 'a duration like 90s, 10m or 1h', hint: durationHint },
  name: {
    pattern: /^[a-z0-9][a-z0-9._-]{0,62}$/,
    expected: 'lower-case letters, digits, ".", "_" or "-" (at most 63, starting with a letter or digit)',
    hint: () => 'The name becomes part of file names and XAPI tags, so keep it plain, e.g. debian-12.',
  },
  identifier: {
    pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
    expected: 'an identifier: letters, digits and "_", not starting with a digit',
  },
  url: {
    pattern: /^https?:\/\/[^\s/$.?#][^\s]*$/,
    expected: 'an http:// or https:// URL',
    hint: () => 'For a local file use image.path instead of image.url.',
  },
  sha256: {
    pattern: /^[0-9a-fA-F]{64}$/,
    expected: 'a SHA-256 digest: 64 hexadecimal characters',
    hint: (found) =>
      typeof found === 'string' && /^[0-9a-fA-F]{128}$/.test(found)
        ? 'This is 128 characters long, the length of a SHA-512: write it as sha512 instead.'
        : 'Copy the line for this file from the vendor\'s SHA256SUMS, without the file name.',
  },
  sha512: {
    pattern: /^[0-9a-fA-F]{128}$/,
    expected: 'a SHA-512 digest: 128 hexadecimal characters',
    hint: (found) =>
      typeof found === 'string' && /^[0-9a-fA-F]{64}$/.test(found)
        ? 'This is 64 characters long, the length of a SHA-256: write it as sha256 instead.'
        : 'Copy the line for this file from the vendor\'s SHA512SUMS, without the file name.',
  },
  uuid: { pattern: UUID, expected: 'a lower-case UUID like 3f1c7a6e-0b8d-4a51-9c8e-6f2d1e0a9b7c' },
  srRef: {
    pattern: /^\S(.*\S)?$/,
    expected: 'an SR name label, an SR UUID, or "default" (the pool default SR)',
  },
  bootOrder: {
    pattern: /^[cdn]{1,3}$/,
    expected: 'boot devices as letters: c (disk), d (CD), n (network), e.g. "cd"',
  },
  mode: {
    pattern: /^0?[0-7]{3}$/,
    expected: 'an octal file mode as a quoted string, e.g. "0644"',
  },
  owner: {
    pattern: /^[a-z_][a-z0-9_-]*(:[a-z_][a-z0-9_-]*)?$/,
    expected: 'a user or user:group, e.g. root or root:adm',
  },
  absolutePath: {
    pattern: /^\/.*/,
    expected: 'an absolute path in the guest, e.g. /etc/motd',
  },
  vhdFileName: {
    pattern: /^[^/\\]+\.vhd$/,
    expected: 'a file name ending in .vhd, without a directory',
    hint: () => 'Put the directory in output.directory and the bare name in output.file_name.',
  },
  region: {
    pattern: /^[A-Z]{3}$/,
    expected: 'a Rackspace region code such as DFW, ORD, IAD, LON, HKG or SYD',
    hint: (found) => (typeof found === 'string' && /^[a-z]{3}$/.test(found) ? `Region codes are upper case: ${found.toUpperCase()}.` : undefined),
  },
  nonBlank: { pattern: /\S/, expected: 'a non-empty string' },
} as const satisfies Record<string, StringFormat>;

/** Finds the format a zod `invalid_format` issue came from, by its pattern's source text. */
export function formatByPattern(pattern: string | undefined): StringFormat | undefined {
  if (pattern === undefined) return undefined;
  return Object.values(FORMATS).find((f: StringFormat) => String(f.pattern) === pattern || f.pattern.source === pattern);
}
