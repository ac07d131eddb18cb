// readiness.waive: the probe ids a recipe accepts failing. Ids come from src/guest/readiness/items.ts;
// an unknown id is a finding at its list entry that lists every valid id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READINESS_ITEM_IDS } from '../../../src/guest/readiness/index.js';
import { checkRecipeText } from '../../../src/recipe/index.js';
import { makeFixtureDir, type FixtureDir } from '../../support/recipe/fixture-dir.js';

const RECIPE = 'name: t\nsource:\n  image:\n    path: disk.qcow2\nreadiness:\n  target: rackspace\n  ssh_user: rackuser\n';
let fx: FixtureDir;
beforeAll(() => {
  fx = makeFixtureDir();
});
afterAll(() => fx.remove());

describe('readiness.waive', () => {
  it('defaults to nothing waived', () => {
    const check = checkRecipeText(RECIPE, 'r.yaml', fx.dir);
    expect(check.findings).toEqual([]);
    expect(check.recipe?.readiness).toEqual({ target: 'rackspace', sshUser: 'rackuser', waive: [] });
  });

  it('accepts probe ids, once each', () => {
    const check = checkRecipeText(`${RECIPE}  waive: [guest-agent, console-hvc0-ttyS0, guest-agent]\n`, 'r.yaml', fx.dir);
    expect(check.findings).toEqual([]);
    expect(check.recipe?.readiness.waive).toEqual(['guest-agent', 'console-hvc0-ttyS0']);
  });

  it('refuses an unknown id at its position and lists the valid ids', () => {
    const check = checkRecipeText(`${RECIPE}  waive:\n    - guest-agent\n    - guest-agents\n`, 'r.yaml', fx.dir);
    expect(check.ok).toBe(false);
    expect(check.findings).toHaveLength(1);
    const finding = check.findings[0]!;
    expect(`${finding.line}:${finding.col} ${finding.path}`).toBe('10:7 readiness.waive[1]');
    expect(finding.found).toContain('guest-agents');
    for (const id of READINESS_ITEM_IDS) expect(finding.expected).toContain(id);
    expect(finding.hint).toMatch(/Did you mean 'guest-agent'/);
  });

  it('refuses a single string instead of a list', () => {
    const check = checkRecipeText(`${RECIPE}  waive: guest-agent\n`, 'r.yaml', fx.dir);
    expect(check.findings.map((f) => f.path)).toEqual(['readiness.waive']);
  });
});
