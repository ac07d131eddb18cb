// The plan is a pure function of recipe, variables and config: every DESIGN.md stage, in order,
// with the concrete values the build will use.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STAGES, plan } from '../../../src/pipeline/plan.js';
import { planText } from '../../../src/pipeline/plan-text.js';
import { loadRecipe, requireValid } from '../../../src/recipe/index.js';
import { bareConfig } from '../../support/recipe/config.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function debian(vars: Record<string, string> = {}) {
  const check = await loadRecipe('recipes/debian-12.yaml', ROOT, { vars });
  requireValid(check);
  return check;
}

describe('plan', () => {
  it('lists every pipeline stage in order', async () => {
    const c = await debian();
    const p = plan(c.recipe, c.variables, c.digest, bareConfig(), { push: false, keep: false });
    expect(p.stages.map((s) => s.id)).toEqual([...STAGES]);
    expect(STAGES).toHaveLength(16);
  });

  it('carries the concrete values: source, checksum, SR, disk, template, firmware, steps, output', async () => {
    const c = await debian();
    const p = plan(c.recipe, c.variables, c.digest, bareConfig({ xapiUrl: 'https://xcp.example.test' }), { push: false, keep: false });
    const byId = Object.fromEntries(p.stages.map((s) => [s.id, s]));
    expect(byId.resolve?.actions.join('\n')).toContain('debian-12-genericcloud-amd64-20260923-2610.qcow2');
    expect(byId.resolve?.actions.join('\n')).toMatch(/verify sha512 3d94c9dd/);
    expect(byId.storage?.actions[0]).toBe("use the pool's default SR");
    expect(byId.disk?.actions).toContain('grow it to 10 GiB');
    expect(byId.vm?.facts).toMatchObject({ template: 'Other install media', firmware: 'bios', memoryBytes: 2 * 1024 ** 3, vcpus: 2 });
    expect(byId.provision?.actions).toEqual([
      '1. shell: apt-get update (+1 more lines) with DEBIAN_FRONTEND set (timeout 20m)',
      `2. upload ${ROOT}recipes/files/motd → /etc/motd mode 0644 owner root:root (timeout 10m)`,
      '3. reboot and wait for SSH (timeout 5m)',
    ]);
    expect(byId.readiness?.run).toBe(true);
    expect(byId.readiness?.facts).toMatchObject({ target: 'rackspace', sshUser: 'debian' });
    expect(byId.export?.facts).toMatchObject({ path: `${ROOT}out/debian-12.vhd`, deterministic: true });
    expect(byId.connect?.actions[0]).toContain('https://xcp.example.test');
    expect(p.warnings).toEqual([]);
  });

  it('names the waits for the guest with their defaults, and a recipe\'s own timeouts', async () => {
    const c = await debian();
    const defaults = Object.fromEntries(plan(c.recipe, c.variables, c.digest, bareConfig(), { push: false, keep: false }).stages.map((s) => [s.id, s]));
    expect(defaults.boot?.actions.join('\n')).toContain('wait up to 10m: timeouts.guest_address');
    expect(defaults.boot?.actions.join('\n')).toContain('up to 10m: timeouts.ssh');
    expect(defaults.shutdown?.facts).toEqual({ shutdownSeconds: 180 });
    const own = { ...c.recipe, timeouts: { guestAddressSeconds: 90, sshSeconds: 1800, shutdownSeconds: 45 } };
    const byId = Object.fromEntries(plan(own, c.variables, c.digest, bareConfig(), { push: false, keep: false }).stages.map((s) => [s.id, s]));
    expect(byId.boot?.facts).toMatchObject({ guestAddressSeconds: 90, sshSeconds: 1800 });
    expect(byId.boot?.actions.join('\n')).toContain('wait up to 1m30s: timeouts.guest_address');
    expect(byId.shutdown?.actions[0]).toContain('up to 45s: timeouts.shutdown');
  });

  it('skips rehearse without --rehearse and says how to enable it; with it, names the login user and the checks', async () => {
    const c = await debian();
    const off = plan(c.recipe, c.variables, c.digest, bareConfig(), { push: false, keep: false }).stages.find((s) => s.id === 'rehearse');
    expect(off).toMatchObject({ run: false, reason: 'pass --rehearse to rehearse', actions: [] });
    const on = plan(c.recipe, c.variables, c.digest, bareConfig(), { push: false, keep: false, rehearse: true }).stages;
    expect(on.map((s) => s.id).slice(-4)).toEqual(['cleanup', 'rehearse', 'manifest', 'push']);
    const rehearse = on.find((s) => s.id === 'rehearse');
    expect(rehearse?.run).toBe(true);
    expect(rehearse?.actions.join('\n')).toContain('log in as debian with that key');
    expect(rehearse?.actions.join('\n')).toContain('no NoCloud seed');
  });

  it('skips push without --push and says how to enable it; with --push names region, container, metadata', async () => {
    const c = await debian();
    const off = plan(c.recipe, c.variables, c.digest, bareConfig(), { push: false, keep: false }).stages.at(-1);
    expect(off).toMatchObject({ id: 'push', run: false, reason: 'pass --push to push' });
    const on = plan(c.recipe, c.variables, c.digest, bareConfig(), { push: true, keep: true });
    const push = on.stages.at(-1);
    expect(push?.run).toBe(true);
    expect(push?.facts).toMatchObject({ region: 'DFW', container: 'ingot-images', segmentSizeBytes: 256 * 1024 ** 2 });
    expect(push?.facts.metadata).toMatchObject({ vm_mode: 'hvm', img_config_drive: 'mandatory', ssh_user: 'debian' });
    expect(on.stages.find((s) => s.id === 'cleanup')).toMatchObject({ run: false, reason: expect.stringContaining('--keep') });
  });

  it('uses the variables given: --var memory reaches the vm stage', async () => {
    const c = await debian({ memory: '4GiB', region: 'LON' });
    const p = plan(c.recipe, c.variables, c.digest, bareConfig(), { push: true, keep: false });
    expect(p.stages.find((s) => s.id === 'vm')?.actions).toContain('4 GiB memory, 2 vCPUs');
    expect(p.stages.at(-1)?.facts.region).toBe('LON');
    expect(p.variables.memory).toEqual({ value: '4GiB', from: 'flag' });
  });

  it('warns, without failing, when no XAPI host is configured', async () => {
    const c = await debian();
    const p = plan(c.recipe, c.variables, c.digest, bareConfig(), { push: false, keep: false });
    expect(p.warnings.join('\n')).toMatch(/INGOT_XAPI_URL/);
    expect(planText(p)).toMatch(/warning: No XAPI host configured/);
  });

  it('is pure: the same inputs give the same plan', async () => {
    const c = await debian();
    const args = [c.recipe, c.variables, c.digest, bareConfig(), { push: true, keep: false }] as const;
    expect(plan(...args)).toEqual(plan(...args));
  });
});
