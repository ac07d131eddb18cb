// Variables: --var beats INGOT_VAR_ beats the recipe default; ${var} errors point at the reference.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecipeText, parseVarFlags } from '../../../src/recipe/index.js';
import { makeFixtureDir, type FixtureDir } from '../../support/recipe/fixture-dir.js';

const RECIPE = [
  'name: t',
  'variables:',
  '  memory: 2GiB',
  '  cpus: 2',
  '  firmware: bios',
  'source:',
  '  image:',
  '    path: disk.qcow2',
  'vm:',
  '  memory: ${memory}',
  '  vcpus: ${cpus}',
  '  firmware: ${firmware}',
  'description: "cpus=${cpus}, literal $${HOME}"',
  '',
].join('\n');

let fx: FixtureDir;
beforeAll(() => {
  fx = makeFixtureDir();
});
afterAll(() => fx.remove());

describe('variable precedence', () => {
  it('uses the recipe default when nothing overrides it', () => {
    const check = checkRecipeText(RECIPE, 'r.yaml', fx.dir);
    expect(check.recipe?.vm.memoryBytes).toBe(2 * 1024 ** 3);
    expect(check.variables.sources.memory).toBe('recipe');
  });

  it('INGOT_VAR_ beats the default', () => {
    const check = checkRecipeText(RECIPE, 'r.yaml', fx.dir, { env: { INGOT_VAR_memory: '4GiB' } });
    expect(check.recipe?.vm.memoryBytes).toBe(4 * 1024 ** 3);
    expect(check.variables.sources.memory).toBe('env');
  });

  it('--var beats INGOT_VAR_', () => {
    const check = checkRecipeText(RECIPE, 'r.yaml', fx.dir, { env: { INGOT_VAR_memory: '4GiB' }, vars: { memory: '8GiB' } });
    expect(check.recipe?.vm.memoryBytes).toBe(8 * 1024 ** 3);
    expect(check.variables.sources.memory).toBe('flag');
  });

  it('ignores INGOT_VAR_ for names the recipe does not declare', () => {
    const check = checkRecipeText(RECIPE, 'r.yaml', fx.dir, { env: { INGOT_VAR_other: 'x' } });
    expect(check.ok).toBe(true);
    expect(check.variables.values).not.toHaveProperty('other');
  });

  it('a whole-value reference takes the type the value would have had', () => {
    const check = checkRecipeText(RECIPE, 'r.yaml', fx.dir, { vars: { cpus: '4' } });
    expect(check.recipe?.vm.vcpus).toBe(4);
  });

  it('interpolates inside strings and keeps $${ as a literal ${', () => {
    const check = checkRecipeText(RECIPE, 'r.yaml', fx.dir);
    expect(check.recipe?.description).toBe('cpus=2, literal ${HOME}');
  });

  it('checks an overridden value like a written one, at the reference', () => {
    const check = checkRecipeText(RECIPE, 'r.yaml', fx.dir, { vars: { firmware: 'efi' } });
    expect(check.findings.map((f) => `${f.line}:${f.col} ${f.path}`)).toEqual(['12:13 vm.firmware']);
    expect(check.findings[0]?.found).toBe('"efi"');
  });
});

describe('undefined variables', () => {
  it('names the variable and its position, with the declared ones and a suggestion', () => {
    const text = RECIPE.replace('vcpus: ${cpus}', 'vcpus: ${cpu}');
    const check = checkRecipeText(text, 'r.yaml', fx.dir);
    expect(check.findings).toHaveLength(1);
    const [f] = check.findings;
    expect(f).toMatchObject({ line: 11, col: 10, path: 'vm.vcpus', message: "undefined variable 'cpu'", found: '${cpu}' });
    expect(f?.expected).toContain('memory, cpus, firmware');
    expect(f?.hint).toMatch(/Did you mean \$\{cpus\}/);
  });

  it('reports each undefined reference in one value', () => {
    const text = RECIPE.replace('"cpus=${cpus}, literal $${HOME}"', '"${a} and ${b}"');
    const check = checkRecipeText(text, 'r.yaml', fx.dir);
    expect(check.findings.map((f) => `${f.line}:${f.col} ${f.found}`)).toEqual(['13:15 ${a}', '13:24 ${b}']);
  });
});

describe('--var flags', () => {
  it('parses NAME=VALUE, values may contain =', () => {
    expect(parseVarFlags(['a=1', 'b=x=y', 'a=2'])).toEqual({ a: '2', b: 'x=y' });
  });

  it.each(['novalue', '=1', '1a=2', 'a-b=1'])('refuses %j as a usage error', (flag) => {
    expect(() => parseVarFlags([flag])).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
