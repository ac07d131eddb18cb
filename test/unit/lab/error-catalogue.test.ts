// Every error code the lab raises is one XAPI has (the generated catalogue: xenapi.json's message
// errors plus xapi.md §7), and where the catalogue gives parameter names the lab sends as many.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { DATAMODEL } from '../../../src/lab/datamodel/generated.js';

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'qemu' && entry.name !== 'datamodel') out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Raise sites that send another number of parameters than the catalogue (xapi.md §7). */
const VARIANTS: Record<string, number[]> = { VDI_MISSING: [0], VDI_IN_USE: [0], SR_OPERATION_NOT_SUPPORTED: [0], OTHER_OPERATION_IN_PROGRESS: [2] };

/** Counts the items of the array literal whose body starts at `from` (quotes and nesting respected). */
function countItems(text: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  let items = 0;
  let sawItem = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      quote = c;
      sawItem = true;
    } else if (c === '[' || c === '(' || c === '{') depth++;
    else if ((c === ']' || c === ')' || c === '}') && depth > 0) depth--;
    else if (c === ']') return items + (sawItem ? 1 : 0);
    else if (c === ',' && depth === 0) items++;
    else if (!/\s/.test(c)) sawItem = true;
  }
  throw new Error('unterminated array literal');
}

test('the lab raises only catalogued XAPI error codes, with the catalogued number of parameters', async () => {
  const raised: { code: string; arity: number | undefined; where: string }[] = [];
  for (const file of await sources(join(import.meta.dirname, '../../../src/lab'))) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/new XapiFault\('([A-Z0-9_]+)'(, \[)?/g)) {
      const arity = m[2] === undefined ? undefined : countItems(text, (m.index ?? 0) + m[0].length);
      raised.push({ code: m[1] as string, arity, where: file });
    }
  }
  expect(raised.length).toBeGreaterThan(30);
  for (const { code, arity, where } of raised) {
    expect(Object.keys(DATAMODEL.errors), `${code} in ${where}`).toContain(code);
    const params = DATAMODEL.errors[code];
    if (params === null || params === undefined || arity === undefined) continue;
    expect([params.length, ...(VARIANTS[code] ?? [])], `${code} in ${where}`).toContain(arity);
  }
});
