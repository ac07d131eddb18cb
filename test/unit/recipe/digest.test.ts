// The recipe digest: stable for equal recipes, different when anything that shapes the build differs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecipeText } from '../../../src/recipe/index.js';
import { canonicalJson } from '../../../src/recipe/digest.js';
import { makeFixtureDir, type FixtureDir } from '../../support/recipe/fixture-dir.js';

const A = 'name: t\nvariables:\n  mem: 2GiB\nsource:\n  image:\n    path: disk.qcow2\nvm:\n  memory: ${mem}\n  vcpus: 2\n';
let fx: FixtureDir;
beforeAll(() => {
  fx = makeFixtureDir();
});
afterAll(() => fx.remove());

const digest = (text: string, vars: Record<string, string> = {}): string | undefined => checkRecipeText(text, 'r.yaml', fx.dir, { vars }).digest;

describe('recipe digest', () => {
  it('is a sha256 and ignores comments, key order and defaults written out', () => {
    const d = digest(A);
    expect(d).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digest(`# a comment\n${A}`)).toBe(d);
    expect(digest(A.replace('  memory: ${mem}\n  vcpus: 2\n', '  vcpus: 2\n  memory: ${mem}\n'))).toBe(d);
    expect(digest(`${A}  firmware: bios\n`)).toBe(d);
  });

  it('changes with a variable value and with the recipe', () => {
    const d = digest(A);
    expect(digest(A, { mem: '4GiB' })).not.toBe(d);
    expect(digest(A.replace('vcpus: 2', 'vcpus: 3'))).not.toBe(d);
  });

  it('does not depend on where the checkout lives', () => {
    const other = makeFixtureDir();
    try {
      expect(checkRecipeText(A, 'r.yaml', other.dir).digest).toBe(digest(A));
    } finally {
      other.remove();
    }
  });

  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });
});
