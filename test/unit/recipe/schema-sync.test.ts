// recipes/schema.json is generated from the schema in code; it must not drift.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recipeJsonSchema } from '../../../src/recipe/index.js';

const committed = (): unknown => JSON.parse(readFileSync(new URL('../../../recipes/schema.json', import.meta.url), 'utf8'));

describe('recipes/schema.json', () => {
  it('is what the schema in code generates (run `npm run schema` if this fails)', () => {
    expect(committed()).toEqual(recipeJsonSchema());
  });

  it('lets editors complete every top-level key and rejects unknown ones', () => {
    const schema = committed() as { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual(['name', 'description', 'variables', 'source', 'vm', 'cloud_init', 'provision', 'timeouts', 'readiness', 'output', 'push']);
    expect(schema.required).toEqual(['name', 'source']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('accepts a ${var} reference where a size is expected, as the loader does', () => {
    const memory = (committed() as { properties: { vm: { properties: { memory: { anyOf: Array<{ pattern: string }> } } } } }).properties.vm.properties.memory;
    const patterns = memory.anyOf.map((s) => new RegExp(s.pattern));
    expect(patterns.some((p) => p.test('10GiB'))).toBe(true);
    expect(patterns.some((p) => p.test('${memory}'))).toBe(true);
    expect(patterns.some((p) => p.test('10GB'))).toBe(false);
  });
});
