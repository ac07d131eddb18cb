// The README's quick start, exactly as written there (read from README.md, not copied): it must
// install, start the lab host, build the demo image on it, and leave a checked VHD and manifest.
import { readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let commands: string[];
let env: Record<string, string>;
let run: { exitCode: number | undefined; all: string };

beforeAll(async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const block = /## Quick start[^\n]*\n+```sh\n([\s\S]*?)```/.exec(readme);
  commands = (block?.[1] ?? '').trim().split('\n');
  // A private state directory, so the test never meets a developer's own lab.
  const state = await mkdtemp(join(tmpdir(), 'ingot-readme-'));
  env = { ...process.env, CI: 'true', XDG_STATE_HOME: state } as Record<string, string>;
  await rm(join(ROOT, 'out', 'lab-demo.vhd'), { force: true });
  const r = await execa('bash', ['-c', commands[0] ?? 'false'], { cwd: ROOT, env, all: true, reject: false, timeout: 40 * 60_000 });
  run = { exitCode: r.exitCode, all: r.all ?? '' };
}, 45 * 60_000);

afterAll(async () => {
  await runCli(['lab', 'down'], { env }).catch(() => undefined);
});

describe("the README's quick start", () => {
  it('opens with two commands: set up and run the main job, then run the tests', () => {
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/^bash scripts\/setup\.sh && .* build recipes\/lab\/demo\.yaml$/);
    expect(commands[1]).toMatch(/npm test$/);
  });

  it('runs the main job on the built-in lab host to a checked VHD', () => {
    expect(run.all).toMatch(/lab running in the background on https:\/\/127\.0\.0\.1:8443/);
    expect(run.all).toMatch(/✔ check the VHD — passes every rule/);
    expect(run.exitCode, run.all.slice(-3000)).toBe(0);
  });

  it('leaves the VHD and its manifest where the README says', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'out', 'lab-demo.manifest.json'), 'utf8')) as { output: { file: string; virtual_size: number }; check: { verdict: string } };
    expect(manifest.output.file).toBe(join(ROOT, 'out', 'lab-demo.vhd'));
    expect(manifest.output.virtual_size).toBe(3 * 1024 ** 3);
    expect(manifest.check.verdict).toBe('pass');
    // qemu-img reads it as a VHD of the recipe's size (it has no `check` for vpc); ingot check passes it.
    const info = JSON.parse((await execa('qemu-img', ['info', '--output', 'json', '-f', 'vpc', manifest.output.file])).stdout) as { 'virtual-size': number };
    expect(info['virtual-size']).toBe(3 * 1024 ** 3);
    expect((await runCli(['check', manifest.output.file])).status).toBe(0);
  }, 120_000);
});
