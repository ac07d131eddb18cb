// ingot build through the real CLI against the lab host: what a failed build leaves (nothing,
// or everything with --keep), and ingot clean removing what --keep left.
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN, runCli } from '../../support/run-cli.js';
import { PASSWORD, startTestLab, USER, type TestLab } from '../../support/lab/lab.js';

let lab: TestLab;
let dir: string;
let env: Record<string, string>;

const marked = (cls: 'VM' | 'VDI') => lab.lab.db.all(cls).filter(([, r]) => (r.other_config as Record<string, string> | undefined)?.['ingot:build'] !== undefined);

async function recipe(name: string, template: string): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, [
    `name: ${name}`,
    'source:',
    '  image:',
    '    path: disk.raw',
    'vm:',
    `  template: ${template}`,
    '  memory: 512MiB',
    '  disk: 1GiB',
    'readiness:',
    '  target: none',
    'output:',
    '  directory: out',
    '',
  ].join('\n'));
  return path;
}

beforeAll(async () => {
  lab = await startTestLab();
  dir = await mkdtemp(join(tmpdir(), 'ingot-build-cleanup-'));
  // A small disk with data in a few blocks and holes between them.
  await writeFile(join(dir, 'disk.raw'), Buffer.concat([randomBytes(65536), Buffer.alloc(4 * 1024 * 1024), randomBytes(4096)]));
  await writeFile(join(dir, 'password'), PASSWORD);
  env = { HOME: dir, INGOT_XAPI_URL: lab.url, INGOT_XAPI_USERNAME: USER, INGOT_XAPI_PASSWORD_FILE: join(dir, 'password'), INGOT_XAPI_FINGERPRINT: lab.fingerprint! };
});
afterAll(async () => {
  await lab?.stop();
});

describe('a build that fails on the host', () => {
  it('removes the disk it had imported, reports the stage and the fix, and exits 1', { timeout: 120_000 }, async () => {
    const r = await runCli(['build', await recipe('no-template', 'No Such Template')], { env });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no template or VM named or with uuid "No Such Template"');
    expect(r.stderr).toContain('"Debian Bookworm 12"');
    expect(r.stdout).toMatch(/✔ import the source disk into a new VDI/);
    expect(r.stdout).toMatch(/✖ create the build VM/);
    expect(marked('VDI')).toEqual([]);
    expect(marked('VM')).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('leaves everything with --keep, says what, and ingot clean removes it', { timeout: 400_000 }, async () => {
    const r = await runCli(['build', await recipe('kept', 'No Such Template'), '--keep'], { env, timeout: 150_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--keep: left on the host for debugging: VDI OpaqueRef:/);
    expect(marked('VDI')).toHaveLength(1);

    const dry = await runCli(['clean', '--dry-run'], { env, timeout: 150_000 });
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/would remove VDI "kept \(ingot build kept-/);
    expect(marked('VDI')).toHaveLength(1);

    const clean = await runCli(['clean', '--json'], { env, timeout: 150_000 });
    expect(clean.status).toBe(0);
    const result = JSON.parse(clean.stdout.trim().split('\n').at(-1)!) as { data: { found: unknown[]; failed: unknown[] } };
    expect(result.data.found).toHaveLength(1);
    expect(result.data.failed).toEqual([]);
    expect(marked('VDI')).toEqual([]);
  });

  it('unwinds on SIGTERM mid-build (waiting for a guest that never answers SSH) and exits 130', { timeout: 180_000 }, async () => {
    const child = execa(process.execPath, [BIN, 'build', await recipe('interrupted', 'Debian Bookworm 12')], { env: { CI: 'true', ...env }, reject: false, all: true });
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`never reached the boot stage:\n${seen}`)), 150_000);
      child.all?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        // The fake guest reports an address but runs no sshd: the build waits for SSH here.
        if (seen.includes('guest address')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(marked('VM')).toHaveLength(1);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(r.all).toContain('error[INTERRUPTED]: interrupted (SIGTERM)');
    expect(marked('VM')).toEqual([]);
    expect(marked('VDI')).toEqual([]);
  });
});
