// `ingot build A.yaml B.yaml --parallel N` through the real CLI against the lab host: each build
// its own id and output, one failing without stopping the other, a summary and the exit status of
// docs/cli.md, and every recipe checked (all errors together) before any host is contacted.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN, runCli } from '../../support/run-cli.js';
import { PASSWORD, startTestLab, USER, type TestLab } from '../../support/lab/lab.js';
import { sshFromSeed } from '../../support/lab/seeded-sshd.js';

let lab: TestLab;
let dir: string;
let env: Record<string, string>;
let counter: { server: Server; connections: number; url: string };

const marked = (cls: 'VM' | 'VDI' | 'VBD') => lab.lab.db.all(cls).filter(([, r]) => (r.other_config as Record<string, string> | undefined)?.['ingot:build'] !== undefined);
const ownedVbds = () => lab.lab.db.all('VBD').filter(([, r]) => lab.lab.db.find('VM', r.VM as string) === undefined || marked('VM').some(([ref]) => ref === r.VM));

interface RecipeOptions {
  template?: string;
  memory?: string;
  file?: string;
  sha256?: string;
}

async function recipe(name: string, opts: RecipeOptions = {}): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, [
    `name: ${name}`,
    'source:',
    '  image:',
    '    path: disk.raw',
    ...(opts.sha256 ? [`    sha256: "${opts.sha256}"`] : []),
    'vm:',
    `  template: ${opts.template ?? 'Debian Bookworm 12'}`,
    `  memory: ${opts.memory ?? '512MiB'}`,
    '  disk: 1GiB',
    'readiness:',
    '  target: none',
    'output:',
    '  directory: out',
    ...(opts.file ? [`  file_name: ${opts.file}`] : []),
    '',
  ].join('\n'));
  return path;
}

function events(stdout: string): Array<Record<string, unknown>> {
  return stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  // Guests on a loopback /16 of this file's own: their sshd on <address>:22 meets no other file's guests.
  lab = await startTestLab({ guestNetwork: '127.81' });
  dir = await mkdtemp(join(tmpdir(), 'ingot-build-parallel-'));
  await writeFile(join(dir, 'disk.raw'), Buffer.concat([randomBytes(65536), Buffer.alloc(4 * 1024 * 1024), randomBytes(4096)]));
  await writeFile(join(dir, 'password'), PASSWORD);
  env = { HOME: dir, INGOT_XAPI_URL: lab.url, INGOT_XAPI_USERNAME: USER, INGOT_XAPI_PASSWORD_FILE: join(dir, 'password'), INGOT_XAPI_FINGERPRINT: lab.fingerprint! };
  // A stand-in host that only counts connections: the checks before a build must not reach it.
  const server = createServer((socket) => {
    counter.connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  counter = { server, connections: 0, url: `https://127.0.0.1:${address.port}` };
});
afterEach(() => {
  lab.hypervisor.script = () => ({});
});
afterAll(async () => {
  await lab?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  counter?.server.close();
});

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

interface Manifest {
  build: { id: string };
  recipe: { name: string };
  output: { file: string; size: number; sha256: string };
}

describe('ingot build with several recipes', () => {
  it('builds two recipes side by side: each its own VHD, manifest and build id, nothing left on the host', { timeout: 240_000 }, async () => {
    // The fake guests take the build access from ingot's seed and serve SSH with it, as cloud-init would.
    lab.hypervisor.script = () => sshFromSeed();
    const r = await runCli(['build', await recipe('good-a'), await recipe('good-b'), '--parallel', '2'], { env, timeout: 200_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // Both ran at once: the second started booting before the first was done.
    const lines = r.stdout.split('\n');
    const bootB = lines.findIndex((l) => l.startsWith('[good-b] … boot the VM'));
    const doneA = lines.findIndex((l) => l.startsWith('[good-a] ✔ write the manifest'));
    expect(bootB).toBeGreaterThan(-1);
    expect(bootB).toBeLessThan(doneA);
    expect(r.stdout).toMatch(/^2 builds: 2 built$/m);
    const ids = new Set<string>();
    for (const name of ['good-a', 'good-b']) {
      const vhd = join(dir, 'out', `${name}.vhd`);
      const manifest = JSON.parse(await readFile(join(dir, 'out', `${name}.manifest.json`), 'utf8')) as Manifest;
      expect(manifest.recipe.name).toBe(name);
      expect(manifest.output.file).toBe(vhd);
      expect(manifest.output.size).toBe((await stat(vhd)).size);
      expect(manifest.output.sha256).toBe(await sha256(vhd));
      expect(r.stdout).toMatch(new RegExp(`^ {2}${name} +${manifest.build.id} +built +${vhd.replaceAll('.', '\\.')}$`, 'm'));
      ids.add(manifest.build.id);
    }
    expect(ids.size).toBe(2);
    expect(marked('VM')).toEqual([]);
    expect(marked('VDI')).toEqual([]);
  });

  it('a failing build does not stop the other: its VHD is written, the failed one left nothing, exit 1 with the summary', { timeout: 240_000 }, async () => {
    lab.hypervisor.script = () => sshFromSeed();
    const r = await runCli(['build', await recipe('broken', { template: 'No Such Template' }), await recipe('fine-too'), '--parallel', '2'], { env, timeout: 200_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^\[broken\] error\[XAPI_NOT_FOUND\]: no template or VM named or with uuid "No Such Template"/m);
    expect(r.stdout).toMatch(/^2 builds: 1 built, 1 failed$/m);
    expect(r.stdout).toMatch(/^ {2}broken +broken-\d{8}-\d{6}-[0-9a-f]{4} +failed +XAPI_NOT_FOUND \(exit 1\)$/m);
    expect(r.stdout).toMatch(/^ {2}fine-too +fine-too-\S+ +built +\S+fine-too\.vhd$/m);
    expect(r.stderr).toContain('error[BUILDS_FAILED]: 1 of 2 builds failed: broken (XAPI_NOT_FOUND)');
    const manifest = JSON.parse(await readFile(join(dir, 'out', 'fine-too.manifest.json'), 'utf8')) as Manifest;
    expect(manifest.output.sha256).toBe(await sha256(join(dir, 'out', 'fine-too.vhd')));
    await expect(stat(join(dir, 'out', 'broken.vhd'))).rejects.toThrow(/ENOENT/);
    await expect(stat(join(dir, 'out', 'broken.manifest.json'))).rejects.toThrow(/ENOENT/);
    expect(marked('VM')).toEqual([]);
    expect(marked('VDI')).toEqual([]);
    expect(ownedVbds()).toEqual([]);
  });

  it('reports every invalid recipe together and contacts no host', async () => {
    const a = await recipe('bad-memory', { memory: 'lots' });
    const b = await recipe('bad-template', { template: '""' });
    const good = await recipe('fine');
    const r = await runCli(['build', a, good, b, '--parallel', '2'], { env: { ...env, INGOT_XAPI_URL: counter.url } });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${a}:7:11: vm.memory`);
    expect(r.stdout).toContain(`${b}:6:`);
    expect(r.stderr).toContain('error[RECIPE_INVALID]: 2 of 3 recipes are invalid');
    expect(r.stderr).toContain(a);
    expect(r.stderr).toContain(b);
    expect(r.stdout).not.toContain('resolve the source image');
    expect(counter.connections).toBe(0);
  });

  it('refuses two recipes writing the same output before contacting any host (exit 2)', async () => {
    const a = await recipe('first', { file: 'same.vhd' });
    const b = await recipe('second', { file: 'same.vhd' });
    const r = await runCli(['build', a, b, '--parallel', '2'], { env: { ...env, INGOT_XAPI_URL: counter.url } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`error[BUILD_OUTPUT_CLASH]: several recipes write the same output: ${join(dir, 'out', 'same.vhd')} (${a}, ${b})`);
    expect(r.stderr).toMatch(/hint: Give each recipe its own output/);
    expect(counter.connections).toBe(0);
  });

  it.each([['0'], ['two'], ['1.5'], ['-3']])('refuses --parallel %s with the accepted values', async (value) => {
    const r = await runCli(['build', await recipe('fine'), `--parallel=${value}`], { env: { ...env, INGOT_XAPI_URL: counter.url } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`error[USAGE]: --parallel expects a whole number of builds, 1 or more; got '${value}'`);
  });

  it('--plan prints the plan of each recipe', async () => {
    const r = await runCli(['build', await recipe('plan-a'), await recipe('plan-b'), '--plan'], { env });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Plan for plan-a \(/m);
    expect(r.stdout).toMatch(/^Plan for plan-b \(/m);
    expect(marked('VDI')).toEqual([]);
  });

  it('runs both when one fails: each failure named with its build id, nothing left on the host, exit 1', { timeout: 180_000 }, async () => {
    const notemplate = await recipe('no-template', { template: 'No Such Template' });
    const checksum = await recipe('bad-checksum', { sha256: '0'.repeat(64) });
    const r = await runCli(['build', notemplate, checksum, '--parallel', '2'], { env, timeout: 150_000 });
    expect(r.status).toBe(1);
    // Plain lines say which build each belongs to.
    expect(r.stdout).toMatch(/^\[no-template\] ✔ import the source disk into a new VDI/m);
    expect(r.stdout).toMatch(/^\[no-template\] ✖ create the build VM/m);
    expect(r.stdout).toMatch(/^\[bad-checksum\] ✖ resolve the source image/m);
    expect(r.stderr).toMatch(/^\[no-template\] error\[XAPI_NOT_FOUND\]: .*No Such Template/m);
    expect(r.stderr).toMatch(/^\[bad-checksum\] error\[SOURCE_CHECKSUM_MISMATCH\]/m);
    // The summary: recipe, build id, result, error code.
    expect(r.stdout).toMatch(/^2 builds: 2 failed$/m);
    expect(r.stdout).toMatch(/^ {2}no-template +no-template-\d{8}-\d{6}-[0-9a-f]{4} +failed +XAPI_NOT_FOUND \(exit 1\)$/m);
    expect(r.stdout).toMatch(/^ {2}bad-checksum +bad-checksum-\d{8}-\d{6}-[0-9a-f]{4} +failed +SOURCE_CHECKSUM_MISMATCH \(exit 1\)$/m);
    expect(r.stderr).toContain('error[BUILDS_FAILED]: 2 of 2 builds failed: no-template (XAPI_NOT_FOUND), bad-checksum (SOURCE_CHECKSUM_MISMATCH)');
    expect(marked('VDI')).toEqual([]);
    expect(marked('VM')).toEqual([]);
    expect(ownedVbds()).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('--json: every event names its build, each failure is an error event, the last result lists every build', { timeout: 180_000 }, async () => {
    const notemplate = await recipe('json-no-template', { template: 'No Such Template' });
    const checksum = await recipe('json-bad-checksum', { sha256: '0'.repeat(64) });
    const r = await runCli(['build', notemplate, checksum, '--parallel', '2', '--json'], { env, timeout: 150_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const all = events(r.stdout);
    const perBuild = all.slice(0, -2);
    const ids = new Map<string, string>();
    for (const e of perBuild) {
      const build = e.build as { recipe: string; id: string } | undefined;
      expect(build, JSON.stringify(e)).toBeDefined();
      expect(build!.id.startsWith(`${build!.recipe}-`)).toBe(true);
      ids.set(build!.recipe, build!.id);
    }
    expect([...ids.keys()].sort()).toEqual(['json-bad-checksum', 'json-no-template']);
    expect(perBuild.filter((e) => e.event === 'error').map((e) => e.code).sort()).toEqual(['SOURCE_CHECKSUM_MISMATCH', 'XAPI_NOT_FOUND']);
    const [summary, error] = all.slice(-2);
    expect(summary).toMatchObject({ event: 'result', command: 'build', ok: false });
    expect((summary!.data as { builds: unknown[] }).builds).toEqual([
      expect.objectContaining({ recipe: 'json-no-template', build_id: ids.get('json-no-template'), result: 'failed', code: 'XAPI_NOT_FOUND', exit: 1 }),
      expect.objectContaining({ recipe: 'json-bad-checksum', build_id: ids.get('json-bad-checksum'), result: 'failed', code: 'SOURCE_CHECKSUM_MISMATCH', exit: 1 }),
    ]);
    expect(error).toMatchObject({ event: 'error', code: 'BUILDS_FAILED', exit: 1 });
  });

  it('SIGTERM unwinds every running build, starts no queued one, and exits 130', { timeout: 240_000 }, async () => {
    // The fake guests report an address but run no sshd: both running builds wait for SSH.
    const files = [await recipe('term-a'), await recipe('term-b'), await recipe('term-c')];
    const child = execa(process.execPath, [BIN, 'build', ...files, '--parallel', '2'], { env: { CI: 'true', ...env }, reject: false, all: true });
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the builds never reached the boot stage:\n${seen}`)), 200_000);
      child.all?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (/\[term-a\] guest address/.test(seen) && /\[term-b\] guest address/.test(seen)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(marked('VM')).toHaveLength(2);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(r.all).toMatch(/^\[term-a\] error\[INTERRUPTED\]: interrupted \(SIGTERM\)/m);
    expect(r.all).toMatch(/^\[term-b\] error\[INTERRUPTED\]: interrupted \(SIGTERM\)/m);
    expect(r.all).toMatch(/^3 builds: 2 failed, 1 not started$/m);
    expect(r.all).toMatch(/^ {2}term-c +term-c-\S+ +not started +interrupted before it began$/m);
    expect(r.all).not.toContain('[term-c] ');
    expect(r.all).toContain('error[INTERRUPTED]: interrupted (SIGTERM)');
    expect(marked('VM')).toEqual([]);
    expect(marked('VDI')).toEqual([]);
  });
});
