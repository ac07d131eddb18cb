// The full example in docs/recipes.md is a valid recipe (checked as if it sat in recipes/).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkRecipeText, recipeJsonSchema } from '../../../src/recipe/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('docs/recipes.md', () => {
  it('its full example validates', () => {
    const doc = readFileSync(`${ROOT}docs/recipes.md`, 'utf8');
    const example = /## A full example\s+```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const check = checkRecipeText(example ?? '', 'docs/recipes.md', `${ROOT}recipes`);
    expect(check.findings).toEqual([]);
    expect(check.recipe?.provision.map((s) => s.kind)).toEqual(['shell', 'script', 'upload', 'reboot']);
  });

  it('documents every field the schema has', () => {
    const doc = readFileSync(`${ROOT}docs/recipes.md`, 'utf8');
    const names = new Set<string>();
    const walk = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      const { properties } = node as { properties?: Record<string, unknown> };
      if (properties) for (const name of Object.keys(properties)) names.add(name);
      for (const value of Object.values(node)) walk(value);
    };
    walk(recipeJsonSchema());
    expect(names.size).toBeGreaterThan(40);
    for (const name of names) expect(doc, name).toMatch(new RegExp(`\`([a-z_.]+\\.)?${name}\``));
  });
});
