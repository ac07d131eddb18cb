// `ingot push` through the real CLI (bin/ingot.js → dist) against the emulator and the real Swift:
// the image id comes out, the manifest supplies what flags omit and records the result, a bad VHD
// is refused before any request, and the API key, password and token never reach any output.
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_KEY, TEST_PASSWORD, TEST_USER } from '../../support/rackspace/emulator.js';
import { harness, type Harness } from '../../support/rackspace/fixture.js';
import { writeVhd } from '../../support/rackspace/vhd-fixture.js';
import { execa } from 'execa';
import { BIN, runCli, type CliResult } from '../../support/run-cli.js';

let h: Harness;
let vhd: string;

beforeAll(async () => {
  h = await harness();
  await writeFile(join(h.dir, 'raw.img'), randomBytes(3 * 1024 * 1024));
  vhd = join(h.dir, 'golden.vhd');
  const converted = await runCli(['convert', join(h.dir, 'raw.img'), vhd]);
  expect(converted.status, converted.stderr).toBe(0);
});
afterAll(async () => h?.close());

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { HOME: h.dir, RAX_USERNAME: TEST_USER, RAX_API_KEY: TEST_API_KEY, RAX_IDENTITY_URL: h.emu.identityUrl, ...extra };
}

function expectNoSecret(r: CliResult): void {
  const all = `${r.stdout}\n${r.stderr}`;
  for (const secret of [TEST_API_KEY, TEST_PASSWORD, ...h.emu.identity.issued]) expect(all).not.toContain(secret);
}

const resultOf = (r: CliResult): { imageId: string; kind: string; segments: number; taskId: string; kept: number; uploaded: number } => {
  const line = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; data: never }).find((e) => e.event === 'result');
  if (line === undefined) throw new Error(`no result line in ${r.stdout}\n${r.stderr}`);
  return line.data;
};

describe('ingot push (CLI)', { timeout: 60_000 }, () => {
  it('pushes a VHD made by ingot convert as an SLO and prints the image id in --json', async () => {
    const r = await runCli(['push', vhd, '--name', 'golden', '--ssh-user', 'debian', '--segment-size', '1M', '--poll-interval', '0.05', '--container', 'cli', '--metadata', 'os_distro=debian', '--json', '--verbose'], { env: env() });
    expect(r.status, r.stderr).toBe(0);
    const data = resultOf(r);
    expect(data.kind).toBe('slo');
    expect(data.segments).toBe(5);
    expect(h.emu.images.images.get(data.imageId)).toMatchObject({ name: 'golden', vm_mode: 'hvm', img_config_drive: 'mandatory', ssh_user: 'debian', os_distro: 'debian' });
    expect(h.emu.identity.issued.length).toBeGreaterThan(0);
    expectNoSecret(r);
  });

  it('takes name, ssh user and container from the manifest beside the VHD and records the result in it', async () => {
    const manifest = join(h.dir, 'golden.manifest.json');
    try {
      await writeFile(manifest, JSON.stringify({ manifest_version: 1, readiness: { target: 'rackspace', ssh_user: 'ubuntu' }, push: { rackspace: { image_name: 'from-manifest', container: 'manifested', metadata: { build: 7 } } } }));
      const r = await runCli(['push', vhd, '--poll-interval', '0.05'], { env: env() });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/image [0-9a-f-]{36} \(from-manifest\) imported in DFW/);
      const written = JSON.parse(await readFile(manifest, 'utf8')) as { push: { result: { imageId: string; container: string } }; readiness: unknown };
      expect(written.push.result.container).toBe('manifested');
      expect(h.emu.images.images.get(written.push.result.imageId)).toMatchObject({ name: 'from-manifest', ssh_user: 'ubuntu', build: '7' });
      expect(written.readiness).toEqual({ target: 'rackspace', ssh_user: 'ubuntu' });
      expectNoSecret(r);
    } finally {
      await rm(manifest, { force: true }); // the other tests push without one
    }
  });

  it('keeps secrets out of errors: a rejected import with a password from a file, text and --json', async () => {
    const file = join(h.dir, 'rax-password');
    await writeFile(file, `${TEST_PASSWORD}\n`);
    h.emu.images.fail396 = 10;
    const base = ['push', vhd, '--name', 'x', '--ssh-user', 'debian', '--poll-interval', '0.05', '--container', 'rejected', '--verbose'];
    const [text, json] = await (async () => {
      try {
        return [await runCli(base, { env: env({ RAX_API_KEY: '', RAX_PASSWORD_FILE: file }) }), await runCli([...base, '--json'], { env: env({ RAX_API_KEY: '', RAX_PASSWORD_FILE: file }) })];
      } finally {
        h.emu.images.fail396 = 0;
      }
    })();
    expect(text.status).toBe(1);
    expect(text.stderr).toMatch(/error\[RAX_IMPORT_REJECTED\]: Cloud Images says the file is not a valid VHD \(code 396\)/);
    expect(json.status).toBe(1);
    expect(json.stdout).toMatch(/"code":"RAX_IMPORT_REJECTED"/);
    expectNoSecret(text);
    expectNoSecret(json);
  });

  it('resumes a push killed mid-upload, sending only the segments that were not stored', async () => {
    const args = ['push', vhd, '--name', 'resumed', '--ssh-user', 'debian', '--segment-size', '1M', '--concurrency', '1', '--poll-interval', '0.05', '--container', 'killed', '--json'];
    // Segment 3's PUT never gets an answer: the push hangs there, and is killed like a lost terminal.
    h.emu.proxy.stalls.push({ method: 'PUT', path: /killed_segments\/.*\/00000003$/ });
    const child = execa(process.execPath, [BIN, ...args], { env: { CI: 'true', ...env() }, reject: false });
    const until = Date.now() + 30_000;
    while (!h.emu.proxy.log.some((r) => r.method === 'PUT' && /killed_segments\/.*\/00000003$/.test(r.path)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal, `${String(killed.stdout)}\n${String(killed.stderr)}`).toBe('SIGKILL');
    h.emu.proxy.stalls.length = 0;
    const sent = (): string[] => h.emu.proxy.log.filter((r) => r.method === 'PUT' && r.path.includes('/killed_segments/')).map((r) => r.path.slice(-8));
    expect(sent()).toEqual(['00000000', '00000001', '00000002', '00000003']);
    const r = await runCli(args, { env: env() });
    expect(r.status, r.stderr).toBe(0);
    expect(resultOf(r)).toMatchObject({ segments: 5, kept: 3, uploaded: 2 });
    expect(sent().slice(4)).toEqual(['00000003', '00000004']);
  }, 90_000);

  it('stops on Ctrl-C mid-upload with exit 130 and says how to resume', async () => {
    h.emu.proxy.stalls.push({ method: 'PUT', path: /interrupted_segments\/.*\/00000001$/ });
    const child = execa(process.execPath, [BIN, 'push', vhd, '--name', 'x', '--ssh-user', 'debian', '--segment-size', '1M', '--concurrency', '1', '--container', 'interrupted'], { env: { CI: 'true', ...env() }, reject: false });
    const until = Date.now() + 30_000;
    while (!h.emu.proxy.log.some((r) => r.method === 'PUT' && /interrupted_segments\/.*\/00000001$/.test(r.path)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const r = await child;
    h.emu.proxy.stalls.length = 0;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toMatch(/error\[INTERRUPTED\][^\n]*\n\s+hint: Run the same command again to resume/);
    expect(h.emu.images.created.filter((c) => c.importFrom === 'interrupted/golden.vhd')).toHaveLength(0);
  });

  it('prints the plan with --dry-run and makes no request', async () => {
    const before = h.emu.identity.log.length + h.emu.proxy.log.length + h.emu.images.log.length;
    const r = await runCli(['push', vhd, '--name', 'plan', '--ssh-user', 'debian', '--segment-size', '1M', '--dry-run', '--json'], { env: env() });
    expect(r.status, r.stderr).toBe(0);
    const data = resultOf(r) as unknown as { dryRun: boolean; upload: string; importTask: unknown };
    expect(data.dryRun).toBe(true);
    expect(data.upload).toMatch(/^SLO: 5 segments of 1048576 bytes into ingot-images_segments, 4 at a time$/);
    expect(data.importTask).toEqual({ type: 'import', input: { image_properties: { name: 'plan' }, import_from: 'ingot-images/golden.vhd' } });
    expect(h.emu.identity.log.length + h.emu.proxy.log.length + h.emu.images.log.length).toBe(before);
    expectNoSecret(r);
  });

  it('says clearly that a wrong API key was refused, exit 3, without echoing it', async () => {
    const r = await runCli(['push', vhd, '--name', 'x', '--ssh-user', 'debian'], { env: env({ RAX_API_KEY: 'wrong-key-abcdef123456' }) });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/error\[RAX_AUTH_FAILED\]: Rackspace Identity .* refused user ingot-tester \(401\)/);
    expect(r.stderr).toMatch(/hint: Check RAX_USERNAME and the API key/);
    expect(r.stderr).not.toContain('wrong-key-abcdef123456');
  });

  it('refuses a VHD the checker fails before making any request, exit 1', async () => {
    const bad = join(h.dir, 'bad.vhd');
    await writeVhd(bad, { dataSize: 64 * 1024, badCookie: true });
    const before = h.emu.identity.log.length;
    const r = await runCli(['push', bad, '--name', 'x', '--ssh-user', 'debian'], { env: env() });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error\[VHD_CHECK_FAILED\]: .*bad\.vhd would be rejected by Rackspace/);
    expect(h.emu.identity.log.length).toBe(before);
  });
});
