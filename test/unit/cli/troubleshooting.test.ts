// docs/troubleshooting.md explains every error code src/errors/codes.ts has — its exit status, a
// cause and a fix — and no code that no longer exists.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/errors/index.js';

const doc = readFileSync(new URL('../../../docs/troubleshooting.md', import.meta.url), 'utf8');
const sections = new Map(
  doc.split(/^### /m).slice(1).map((section) => {
    const [heading = '', ...body] = section.split('\n');
    return [heading.trim(), body.join('\n')] as const;
  }),
);

describe('docs/troubleshooting.md', () => {
  it.each(Object.entries(ERROR_CODES))('explains %s (exit %i) with a cause and a fix', (code, status) => {
    const body = sections.get(`\`${code}\` (exit ${status})`);
    expect(body, `docs/troubleshooting.md has no "### \`${code}\` (exit ${status})" section`).toBeDefined();
    expect(body).toMatch(/^\*\*Cause:\*\* \S.{20,}/m);
    expect(body).toMatch(/^\*\*Fix:\*\* \S.{10,}/m);
  });

  it('has a section only for codes that exist', () => {
    const codes = [...sections.keys()].map((h) => /^`([A-Z_]+)`/.exec(h)?.[1]);
    expect(codes.filter((c) => c === undefined || !(c in ERROR_CODES))).toEqual([]);
  });
});
