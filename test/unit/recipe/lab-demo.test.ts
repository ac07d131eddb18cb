// The quick-start recipe (README) is valid once its base image exists; without it, validate says
// which file is missing, so a user who skipped scripts/demo-image.sh knows what to run.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadRecipe } from '../../../src/recipe/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('recipes/lab/demo.yaml', () => {
  it('is valid with its base image present, and builds on the lab with readiness none', async () => {
    const image = join(await mkdtemp(join(tmpdir(), 'ingot-demo-')), 'base.raw');
    await writeFile(image, Buffer.alloc(1024 * 1024));
    const check = await loadRecipe('recipes/lab/demo.yaml', ROOT, { vars: { image } });
    expect(check.findings).toEqual([]);
    expect(check.recipe).toMatchObject({ vm: { template: 'Debian Bookworm 12' }, readiness: { target: 'none' }, source: { kind: 'image', path: image } });
  });

  it('names the missing base image when scripts/demo-image.sh has not run', async () => {
    const check = await loadRecipe('recipes/lab/demo.yaml', ROOT, { vars: { image: '/nonexistent/debian-12-lab.raw' } });
    expect(check.findings.map((f) => f.path)).toContain('source.image.path');
  });
});
