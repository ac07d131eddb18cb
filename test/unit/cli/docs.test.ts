// docs/cli.md lists every error code with the exit status src/errors/codes.ts gives it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/errors/index.js';

const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');

describe('docs/cli.md', () => {
  it.each(Object.entries(ERROR_CODES))('lists %s under exit status %i', (code, status) => {
    const row = doc.split('\n').find((line) => line.startsWith('| ') && line.includes(`\`${code}\``));
    expect(row, `${code} is missing from docs/cli.md`).toBeDefined();
    expect(row).toMatch(new RegExp(`^\\| ${status} \\|`));
  });
});
