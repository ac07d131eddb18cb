// Every malformed VHD of the corpus is reported under the rule that covers it, and the valid base
// passes with no finding at all.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIngotError } from '../../../src/errors/index.js';
import { assertVhdImportable, checkVhd } from '../../../src/vhd/index.js';
import { base } from '../../support/vhd/base.js';
import { CASES, NOW } from '../../support/vhd/corpus.js';
import { tempDir } from '../../support/vhd/fixtures.js';

let dir: { dir: string; remove(): Promise<void> };
let valid: Buffer;

beforeAll(async () => {
  dir = await tempDir();
  valid = (await base()).vhd;
});
afterAll(() => dir.remove());

describe('the malformed-VHD corpus', () => {
  it('has at least 40 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it('starts from a VHD that passes with no findings', async () => {
    const path = join(dir.dir, 'base.vhd');
    await writeFile(path, valid);
    const r = await checkVhd(path, { now: NOW });
    expect(r.findings).toEqual([]);
    expect(r.verdict).toBe('pass');
  });

  it.each(CASES.map((c, i) => [i, c.name, c] as const))('case %i: %s', async (i, _name, c) => {
    const path = join(dir.dir, `case-${i}.vhd`);
    await writeFile(path, c.mutate(Buffer.from(valid)));
    const r = await checkVhd(path, { now: NOW, ...c.check });
    const rules = r.findings.map((f) => f.rule);
    for (const rule of c.rules) expect(rules, `findings: ${JSON.stringify(r.findings.map((f) => `${f.rule}: ${f.found}`))}`).toContain(rule);
    expect(r.verdict).toBe(c.verdict);
    for (const f of r.findings) {
      expect(f.offset).toBeGreaterThanOrEqual(0);
      expect(f.found).not.toBe('');
      expect(f.expected).not.toBe('');
      expect(f.fix).not.toBe('');
    }
  });
});

describe('Rackspace import error codes', () => {
  const code = async (name: string): Promise<Array<number | undefined>> => {
    const c = CASES.find((x) => x.name === name);
    if (!c) throw new Error(`no case ${name}`);
    const path = join(dir.dir, `rax-${name.replace(/\W+/g, '-')}.vhd`);
    await writeFile(path, c.mutate(Buffer.from(valid)));
    const r = await checkVhd(path, { now: NOW, ...c.check });
    return r.findings.filter((f) => c.rules.includes(f.rule)).map((f) => f.rackspace);
  };
  it.each([
    ['null UUID', 614],
    ['differencing disk', 721],
    ['disk type 5', 523],
    ['trailing footer cookie conectiX', 396],
    ['virtual size over --max-size', 413],
    ['file size over --max-size (a fixed disk)', 609],
  ] as const)('%s → %i', async (name, expected) => {
    expect(await code(name)).toContain(expected);
  });
});

describe('assertVhdImportable (pre-flight)', () => {
  it('passes the valid base and throws VHD_CHECK_FAILED with the findings for a null UUID', async () => {
    const good = join(dir.dir, 'preflight-good.vhd');
    await writeFile(good, valid);
    expect((await assertVhdImportable(good, { now: NOW })).verdict).toBe('pass');
    const bad = join(dir.dir, 'preflight-bad.vhd');
    const c = CASES.find((x) => x.name === 'null UUID');
    await writeFile(bad, c!.mutate(Buffer.from(valid)));
    const error = await assertVhdImportable(bad, { now: NOW }).catch((e: unknown) => e);
    expect(isIngotError(error) && error.code).toBe('VHD_CHECK_FAILED');
    expect(isIngotError(error) && error.message).toContain('footer.uuid-null');
    expect(isIngotError(error) && (error.details?.findings as Array<{ rule: string }>).map((f) => f.rule)).toContain('footer.uuid-null');
  });
});
