// `ingot validate` and `ingot build --plan` through the real CLI (bin/ingot.js on dist/), as a
// user runs them: exit statuses, the finding lines, --json events, --var and INGOT_VAR_.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../support/run-cli.js';
import { makeFixtureDir, type FixtureDir } from '../../support/recipe/fixture-dir.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// No config file from the machine running the tests, no XAPI host: the plan must not need one.
const ENV = { HOME: '/nonexistent', INGOT_CONFIG: undefined, INGOT_XAPI_URL: undefined };

let fx: FixtureDir;
let bad: string;
beforeAll(() => {
  fx = makeFixtureDir();
  bad = fx.write('bad.yaml', 'name: t\nsource:\n  image:\n    path: disk.qcow2\nvm:\n  memory: 2GB\n  vcpu: 2\n');
});
afterAll(() => fx.remove());

const events = (stdout: string): Array<Record<string, unknown>> => stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

// Each run starts a node process (~1 s of CPU); on a loaded 2-core machine that can take several.
const SLOW = { timeout: 60_000 };

describe('ingot validate', SLOW, () => {
  it('exits 0 for every example recipe', async () => {
    const r = await runCli(['validate', 'recipes/debian-12.yaml', 'recipes/ubuntu-24.04.yaml'], { cwd: ROOT, env: ENV });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^recipes\/debian-12.yaml: valid \(sha256:[0-9a-f]{64}\)$/m);
    expect(r.stdout).toMatch(/^recipes\/ubuntu-24.04.yaml: valid/m);
  });

  it('exits 1 with every error as file:line:col: path: message (expected …, found …) and a hint', async () => {
    const r = await runCli(['validate', bad], { env: ENV });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${bad}:6:11: vm.memory: invalid value (expected a size like 10GiB, 512MiB or 10G, found "2GB")`);
    expect(r.stdout).toMatch(/^ {2}hint: ingot's sizes are binary/m);
    expect(r.stdout).toContain(`${bad}:7:3: vm.vcpu: unknown key 'vcpu'`);
    expect(r.stdout).toContain("hint: Did you mean 'vcpus'?");
    expect(r.stderr).toMatch(/error\[RECIPE_INVALID\]: 1 of 1 recipe is invalid \(2 errors\)/);
  });

  it('still reports the valid ones when one of several is invalid', async () => {
    const r = await runCli(['validate', `${ROOT}recipes/debian-12.yaml`, bad], { env: ENV });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/debian-12.yaml: valid/);
    expect(r.stderr).toMatch(/1 of 2 recipes are invalid/);
  });

  it('--json gives one result event per recipe with the findings as data, then the error', async () => {
    const r = await runCli(['validate', `${ROOT}recipes/debian-12.yaml`, bad, '--json'], { env: ENV });
    expect(r.status).toBe(1);
    const [good, broken, error] = events(r.stdout);
    expect(good).toMatchObject({ event: 'result', command: 'validate', ok: true, data: { valid: true, findings: [] } });
    expect(broken).toMatchObject({ event: 'result', ok: false, data: { file: bad, valid: false } });
    const findings = (broken?.data as { findings: Array<Record<string, unknown>> }).findings;
    expect(findings.map((f) => [f.line, f.col, f.path])).toEqual([[6, 11, 'vm.memory'], [7, 3, 'vm.vcpu']]);
    expect(findings[0]).toMatchObject({ expected: 'a size like 10GiB, 512MiB or 10G', found: '"2GB"' });
    expect(error).toMatchObject({ event: 'error', code: 'RECIPE_INVALID', exit: 1 });
  });

  it('exits 2 without a recipe', async () => {
    const none = await runCli(['validate'], { env: ENV });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/error\[USAGE\]: ingot validate: no recipe given/);
  });

  it('exits 2 for a missing file or a directory, before checking anything', async () => {
    const r = await runCli(['validate', `${fx.dir}/nope.yaml`, fx.dir], { env: ENV });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error\[INPUT_UNREADABLE\]: cannot read recipes .*nope.yaml \(no such file\), .* \(not a file\)/);
    expect(r.stdout).toBe('');
  });

  it('exits 2 for a malformed --var', async () => {
    const r = await runCli(['validate', 'recipes/debian-12.yaml', '--var', 'novalue'], { cwd: ROOT, env: ENV });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error\[USAGE\]: --var novalue: expected NAME=VALUE/);
  });

  it('applies --var over INGOT_VAR_ over the default, and reports an undefined variable with its position', async () => {
    const file = fx.write('vars.yaml', 'name: t\nvariables:\n  fw: bios\nsource:\n  image:\n    path: disk.qcow2\nvm:\n  firmware: ${fw}\n  memory: ${mem}\n');
    const r = await runCli(['validate', file, '--var', 'fw=efi'], { env: { ...ENV, INGOT_VAR_fw: 'uefi' } });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${file}:8:13: vm.firmware: value not allowed (expected one of bios, uefi, found "efi")`);
    expect(r.stdout).toContain(`${file}:9:11: vm.memory: undefined variable 'mem'`);
  });
});

describe('ingot build', SLOW, () => {
  it('--plan prints every stage with the concrete values and exits 0', async () => {
    const r = await runCli(['build', 'recipes/ubuntu-24.04.yaml', '--plan', '--var', 'memory=4GiB'], { cwd: ROOT, env: { ...ENV, INGOT_VAR_disk: '20GiB' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const stages = [...r.stdout.matchAll(/^ ?\d+\. (\w+):/gm)].map((m) => m[1]);
    expect(stages).toEqual(['resolve', 'connect', 'storage', 'disk', 'vm', 'seed', 'boot', 'provision', 'readiness', 'shutdown', 'export', 'check', 'cleanup', 'rehearse', 'manifest', 'push']);
    expect(r.stdout).toMatch(/rehearse: skipped — pass --rehearse/);
    expect(r.stdout).toContain('verify sha256 eacac65efe9e9bae0cbcb3f9d5c2b5e8c5313fa78a3bc401c3fb28b2d48cefc0');
    expect(r.stdout).toContain('4 GiB memory, 2 vCPUs');
    expect(r.stdout).toContain('grow it to 20 GiB');
    expect(r.stdout).toContain('variables: memory=4GiB (flag), disk=20GiB (env), region=DFW (recipe)');
    expect(r.stdout).toMatch(/push: skipped — pass --push to push/);
    expect(r.stdout).toMatch(/warning: No XAPI host configured/);
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('--plan --json emits the plan as a result event', async () => {
    const r = await runCli(['build', 'recipes/debian-12.yaml', '--plan', '--push', '--json'], { cwd: ROOT, env: ENV });
    expect(r.status).toBe(0);
    const [result] = events(r.stdout);
    const plan = (result?.data as { plan: { stages: Array<{ id: string; run: boolean; facts: Record<string, unknown> }>; recipe: { digest: string } } }).plan;
    expect(result).toMatchObject({ event: 'result', command: 'build', ok: true });
    expect(plan.stages).toHaveLength(16);
    expect(plan.stages.find((s) => s.id === 'rehearse')).toMatchObject({ run: false });
    expect(plan.stages.at(-1)).toMatchObject({ id: 'push', run: true, facts: { region: 'DFW', container: 'ingot-images' } });
    expect(plan.recipe.digest).toMatch(/^sha256:/);
  });

  it('reports recipe errors first (exit 1)', async () => {
    const r = await runCli(['build', bad], { env: ENV });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('vm.memory: invalid value');
    expect(r.stderr).toMatch(/error\[RECIPE_INVALID\]/);
  });

  it('exits 2 for --push on a recipe without a push section', async () => {
    const plain = fx.write('plain.yaml', 'name: t\nsource:\n  image:\n    path: disk.qcow2\n');
    const p = await runCli(['build', plain, '--plan', '--push'], { env: ENV });
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/--push: recipe .* has no push section/);
  });
});
