// Thousands of seeded random mutations of a valid VHD: the checker always returns a verdict with a
// bounded list of findings, and the stream reader either succeeds or fails with VHD_INVALID.
// Reproducible: FUZZ_SEED picks the run (default 20261127), FUZZ_ITERATIONS its length.
import { createReadStream } from 'node:fs';
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isIngotError } from '../../../src/errors/index.js';
import { RULES, checkVhd, vhdStreamToRawFile } from '../../../src/vhd/index.js';
import { resealFooter } from '../../../src/vhd/footer.js';
import { resealHeader } from '../../../src/vhd/header.js';
import { base } from '../../support/vhd/base.js';
import { NOW } from '../../support/vhd/corpus.js';
import { prng, tempDir } from '../../support/vhd/fixtures.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 2000);
const META = 3072; // footer copy, header, BAT, batmap header and map of the base VHD
const INTERESTING = [0, 1, 511, 512, 1536, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

let dir: { dir: string; remove(): Promise<void> };
let original: Buffer;
let path: string;
let fh: FileHandle;

beforeAll(async () => {
  dir = await tempDir();
  original = (await base()).vhd;
  path = join(dir.dir, 'fuzz.vhd');
  await writeFile(path, original);
  fh = await open(path, 'r+');
});
afterAll(async () => {
  await fh.close();
  await dir.remove();
});

/** One random mutation of the places the checker reads: metadata, block bitmaps, footer, file length. */
function mutate(rand: () => number): { head: Buffer; tail: Buffer; bitmaps: Buffer[]; length: number } {
  const head = Buffer.from(original.subarray(0, META));
  const tail = Buffer.from(original.subarray(original.length - 512));
  const bitmaps = [0, 1, 2].map((k) => Buffer.from(original.subarray(META + k * 2097664, META + k * 2097664 + 512)));
  let length = original.length;
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const ops = 1 + Math.floor(rand() * 4);
  for (let n = 0; n < ops; n++) {
    const target = pick([head, head, head, tail, tail, pick(bitmaps)]);
    const at = Math.floor(rand() * (target.length - 4));
    const op = rand();
    if (op < 0.3) target[at] = Math.floor(rand() * 256);
    else if (op < 0.55) target[at] = (target[at] as number) ^ (1 << Math.floor(rand() * 8));
    else if (op < 0.75) target.writeUInt32BE(pick(INTERESTING), at & ~3);
    else if (op < 0.92) target.writeUInt32BE(Math.floor(rand() * 2 ** 32), at & ~3);
    else if (op < 0.96) length = Math.floor(rand() * original.length);
    else length = original.length + Math.floor(rand() * 3) * 511;
  }
  // Reseal most of the time so the checker gets past the checksums into the deeper rules.
  if (rand() < 0.7) {
    resealFooter(tail);
    head.set(tail, 0);
    resealHeader(head.subarray(512, 1536));
  }
  return { head, tail, bitmaps, length };
}

let previousLength = 0;

/** Restores what the previous mutation changed (cheaply: data blocks only after a truncation), then applies `m`. */
async function apply(m: ReturnType<typeof mutate>): Promise<void> {
  if (previousLength === 0) previousLength = original.length;
  if (previousLength !== original.length) await fh.truncate(original.length);
  const from = Math.min(previousLength, original.length - 512);
  await fh.write(original, from, original.length - from, from);
  await fh.write(m.head, 0, m.head.length, 0);
  for (const [k, b] of m.bitmaps.entries()) await fh.write(b, 0, 512, META + k * 2097664);
  if (m.length !== original.length) await fh.truncate(m.length);
  if (m.length >= original.length) await fh.write(m.tail, 0, 512, m.length - 512);
  previousLength = m.length;
}

it(`the checker survives ${ITERATIONS} random mutations (seed ${SEED})`, { timeout: 120_000 }, async () => {
  const rand = prng(SEED);
  const verdicts = { pass: 0, fail: 0, unreadable: 0 };
  const bound = Object.keys(RULES).length * 20;
  for (let i = 0; i < ITERATIONS; i++) {
    await apply(mutate(rand));
    const r = await checkVhd(path, { now: NOW });
    verdicts[r.verdict]++;
    expect(r.findings.length).toBeLessThanOrEqual(bound);
    if (r.verdict === 'pass') expect(r.findings.every((f) => f.severity === 'warning')).toBe(true);
  }
  expect(verdicts.unreadable).toBe(0);
  expect(verdicts.fail).toBeGreaterThan(ITERATIONS / 2);
});

it('the stream reader fails only with VHD_INVALID on mutated input (60 seeded cases)', { timeout: 120_000 }, async () => {
  const rand = prng(SEED + 1);
  const out = join(dir.dir, 'out.raw');
  let ok = 0;
  for (let i = 0; i < 60; i++) {
    await apply(mutate(rand));
    try {
      await vhdStreamToRawFile(createReadStream(path), out);
      ok++;
    } catch (error) {
      if (!isIngotError(error) || error.code !== 'VHD_INVALID') throw error;
    }
  }
  expect(ok).toBeLessThan(60);
});
