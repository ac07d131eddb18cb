// Issue 6's end-to-end proof: the Debian test guest built with readiness target rackspace on the
// lab host (a real QEMU guest), then `ingot rehearse --keep` on the exported VHD: ssh_user gets in
// with the config drive's key, the server is not the build guest (hostname, host keys,
// machine-id), the build-era access is refused, and `ingot clean` removes what --keep left.
// Two guest boots; each takes minutes under TCG.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngotError } from '../../../src/errors/index.js';
import { connectGuest } from '../../../src/guest/ssh/index.js';
import { guestRecipe, startGuestE2e } from '../../support/guest/e2e.js';
import { PASSWORD, type TestLab } from '../../support/lab/lab.js';
import { runCli, type CliResult } from '../../support/run-cli.js';

let lab: TestLab;
let dir: string;
let env: Record<string, string>;
let build: CliResult;
let rehearse: CliResult;
/** A key the test holds, put on the build user's authorized_keys by the recipe's provision step. */
const held = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'e2e-held' });

const marked = (cls: string) => lab.lab.db.all(cls).filter(([, r]) => (r.other_config as Record<string, string> | undefined)?.['ingot:build'] !== undefined);

interface RehearseData { id: string; address: string; ssh_user: string; hostname: string; checks: Array<{ id: string; ok: boolean; evidence: string }>; left_on_host: string[] }
const result = (r: CliResult): RehearseData => {
  const line = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; data?: unknown }).find((e) => e.event === 'result');
  if (line === undefined) throw new Error(`no result line:\n${r.stdout}\n${r.stderr}`);
  return line.data as RehearseData;
};

beforeAll(async () => {
  const e2e = await startGuestE2e('ingot-e2e-rehearse-');
  ({ lab, dir } = e2e);
  await writeFile(join(dir, 'recipe.yaml'), guestRecipe('e2e-rackspace', e2e.image, [
    'provision:',
    '  - shell: |',
    '      home=$(getent passwd ingot-build | cut -d: -f6)',
    `      echo "${held.public.trim()}" >> "$home/.ssh/authorized_keys"`,
    'readiness:',
    '  target: rackspace',
    `  ssh_user: ${e2e.image.user}`,
    'output:',
    '  directory: out',
  ]));
  env = e2e.env;
  build = await runCli(['build', join(dir, 'recipe.yaml')], { env, timeout: 30 * 60_000 });
  if (build.status === 0) rehearse = await runCli(['rehearse', join(dir, 'out', 'e2e-rackspace.vhd'), '--keep', '--json'], { env, timeout: 25 * 60_000 });
}, 60 * 60_000);

afterAll(async () => {
  await lab?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('ingot rehearse on a VHD built with readiness target rackspace', () => {
  it('builds the image and records the build identity', async () => {
    expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
    const manifest = JSON.parse(await readFile(join(dir, 'out', 'e2e-rackspace.manifest.json'), 'utf8')) as { readiness: { ssh_user: string; build_identity: { host_key_fingerprints: string[]; machine_id_sha256: string } } };
    expect(manifest.readiness.build_identity.host_key_fingerprints.length).toBeGreaterThan(0);
    expect(manifest.readiness.build_identity.machine_id_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('logs in as ssh_user with the config-drive key, and every check passes', () => {
    expect(rehearse.status, `${rehearse.stdout}\n${rehearse.stderr}`).toBe(0);
    const data = result(rehearse);
    expect(data.ssh_user).toBe('debian');
    expect(data.checks.map((c) => [c.id, c.ok])).toEqual([
      ['login', true], ['hostname', true], ['host_keys_fresh', true], ['machine_id_fresh', true], ['cloud_init_done', true], ['datasource_configdrive', true], ['build_user_gone', true],
    ]);
    const by = Object.fromEntries(data.checks.map((c) => [c.id, c.evidence]));
    expect(by.hostname).toContain(`hostname is "${data.hostname}"`);
    expect(by.hostname).toContain('the build\'s was "');
    expect(by.host_keys_fresh).toMatch(/none of the build's [1-9]/);
    expect(by.machine_id_fresh).toMatch(/the build's [0-9a-f]{16}…/);
    expect(by.datasource_configdrive).toContain('DataSourceConfigDrive');
    expect(rehearse.stdout + rehearse.stderr).not.toContain(PASSWORD);
    expect(rehearse.stdout).not.toContain('PRIVATE KEY');
  });

  it('refuses the build-era access: the build user with a key it had during the build', async () => {
    const data = result(rehearse);
    const error = await connectGuest({
      host: data.address, port: 22, username: 'ingot-build', privateKey: held.private,
      hostKey: { accept: () => undefined }, timeouts: { attemptMs: 60_000 },
    }).then((session) => {
      session.close();
      return undefined;
    }, (e: unknown) => e);
    // "auth": the server answered and refused the key (not a dead or unreachable guest).
    expect(error).toBeInstanceOf(IngotError);
    expect((error as IngotError).details?.kind).toBe('auth');
  }, 120_000);

  it('left the VM with --keep and ingot clean --build removes it all', async () => {
    const data = result(rehearse);
    expect(data.left_on_host.length).toBeGreaterThan(0);
    expect(marked('VM').length).toBe(1);
    const clean = await runCli(['clean', '--build', data.id], { env, timeout: 5 * 60_000 });
    expect(clean.status, clean.stderr).toBe(0);
    expect(marked('VM')).toEqual([]);
    expect(marked('VDI')).toEqual([]);
  }, 6 * 60_000);
});
