// recipes/schema.json checked by an independent JSON Schema validator (ajv, draft 2020-12): what an
// editor accepts and rejects must agree with `ingot validate` on the examples and common mistakes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const schema = JSON.parse(readFileSync(`${ROOT}recipes/schema.json`, 'utf8')) as object;
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
const base = { name: 't', source: { image: { path: 'disk.qcow2' } } };

describe('recipes/schema.json under ajv', () => {
  it.each(['debian-12.yaml', 'ubuntu-24.04.yaml'])('accepts recipes/%s as written (with ${var} references)', (file) => {
    const ok = validate(parse(readFileSync(`${ROOT}recipes/${file}`, 'utf8')));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it.each([
    ['an unknown key', { ...base, provison: [] }],
    ['a decimal size', { ...base, vm: { memory: '2GB' } }],
    ['two source kinds', { name: 't', source: { template: 'a', vdi: '3f1c7a6e-0b8d-4a51-9c8e-6f2d1e0a9b7c' } }],
    ['a step with two actions', { ...base, provision: [{ shell: 'ls', reboot: true }] }],
    ['an unquoted mode', { ...base, provision: [{ upload: { src: 'a', dest: '/a', mode: 644 } }] }],
    ['a missing name', { source: base.source }],
  ])('rejects %s, as ingot validate does', (_, recipe) => {
    expect(validate(recipe)).toBe(false);
  });
});
