// The example recipes are what issue 2 asks for: vendor cloud images by dated URL with a pinned
// checksum whose source is cited, Rackspace readiness, and a push section.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadRecipe } from '../../../src/recipe/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLES = readdirSync(`${ROOT}recipes`).filter((f) => f.endsWith('.yaml'));

describe('example recipes', () => {
  it('include Debian 12 and Ubuntu 24.04', () => {
    expect(EXAMPLES).toEqual(expect.arrayContaining(['debian-12.yaml', 'ubuntu-24.04.yaml']));
  });

  it.each(EXAMPLES)('%s: a dated vendor image, a cited checksum, Rackspace readiness and push', async (file) => {
    const check = await loadRecipe(`recipes/${file}`, ROOT);
    expect(check.findings).toEqual([]);
    const recipe = check.recipe!;
    expect(recipe.source.kind).toBe('image');
    if (recipe.source.kind !== 'image') return;
    expect(recipe.source.url).toMatch(/\/(release-)?20\d{6}(-\d+|\.\d+)?\//);
    expect(recipe.source.url).not.toMatch(/\/(latest|current)\//);
    expect(recipe.source.checksum?.hex).toMatch(/^[0-9a-f]{64}([0-9a-f]{64})?$/);
    expect(readFileSync(`${ROOT}recipes/${file}`, 'utf8')).toMatch(/# Published by .* in SHA(256|512)SUMS/);
    expect(recipe.readiness).toMatchObject({ target: 'rackspace', sshUser: expect.any(String) });
    expect(recipe.push?.rackspace.imageName).toBeTruthy();
  });
});
