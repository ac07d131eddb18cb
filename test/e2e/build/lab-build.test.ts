// The main job end to end: `ingot build` through the real CLI against the lab host whose VM is a
// real QEMU guest booted from the imported disk with ingot's own NoCloud seed. One boot.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vhdToRawFile } from '../../../src/vhd/index.js';
import { guestRecipe, startGuestE2e } from '../../support/guest/e2e.js';
import { PASSWORD, type TestLab } from '../../support/lab/lab.js';
import { runCli } from '../../support/run-cli.js';

const GiB = 1024 ** 3;
let lab: TestLab;
let dir: string;
let env: Record<string, string>;
let build: { status: number; stdout: string; stderr: string };

beforeAll(async () => {
  const e2e = await startGuestE2e('ingot-e2e-build-');
  ({ lab, dir } = e2e);
  await mkdir(join(dir, 'files', 'conf'), { recursive: true });
  await writeFile(join(dir, 'files', 'conf', 'app.conf'), 'answer = 42\n');
  // Runs after the reboot: proves the upload landed with its mode and that the guest came back.
  await writeFile(join(dir, 'check.sh'), '#!/bin/sh\nset -eu\ntest "$(stat -c %a /opt/ingot-files/conf/app.conf)" = 640\necho "uptime $(cut -d. -f1 /proc/uptime)" > /etc/ingot-after-reboot\n');
  await writeFile(join(dir, 'recipe.yaml'), guestRecipe('e2e-demo', e2e.image, [
    'cloud_init:',
    '  user_data:',
    '    write_files:',
    '      - path: /etc/ingot-from-user-data',
    '        content: "seeded\\n"',
    'provision:',
    '  - shell: |',
    '      echo "built by ingot" > /etc/ingot-marker',
    '      test "$(cat /etc/ingot-from-user-data)" = seeded',
    '  - upload:',
    '      src: files',
    '      dest: /opt/ingot-files',
    '      mode: "0640"',
    '      owner: root:root',
    '  - reboot: true',
    '  - script: check.sh',
    'readiness:',
    '  target: none',
    'output:',
    '  directory: out',
  ]));
  env = { ...e2e.env, SOURCE_DATE_EPOCH: '1700000000' };
  build = await runCli(['build', join(dir, 'recipe.yaml')], { env, timeout: 25 * 60_000 });
}, 40 * 60_000);

afterAll(async () => {
  await lab?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('ingot build on the lab host with a real guest', () => {
  it('succeeds through every stage', () => {
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    for (const title of ['import the source disk', 'boot the VM and reach it over SSH', 'run the provisioning steps', 'power the guest off', 'export the disk as a VHD', 'check the VHD']) {
      expect(build.stdout).toMatch(new RegExp(`✔ ${title}`));
    }
    expect(build.stdout + build.stderr).not.toContain(PASSWORD);
  });

  it('writes a VHD that qemu-img reads with the recipe\'s size and ingot check passes', async () => {
    const vhd = join(dir, 'out', 'e2e-demo.vhd');
    const info = JSON.parse((await execa('qemu-img', ['info', '--output', 'json', '-f', 'vpc', vhd])).stdout) as { 'virtual-size': number };
    expect(info['virtual-size']).toBe(3 * GiB);
    const check = await runCli(['check', vhd]);
    expect(check.status).toBe(0);
  }, 120_000);

  it('keeps what provisioning wrote inside the image', async () => {
    const raw = join(dir, 'disk.raw');
    await vhdToRawFile(join(dir, 'out', 'e2e-demo.vhd'), raw);
    // The test image has one partition at 1 MiB (scripts/guest-image.sh); debugfs reads
    // the ext4 file system in it without mounting anything.
    const part = join(dir, 'part.img');
    await execa('dd', [`if=${raw}`, `of=${part}`, 'bs=1M', 'skip=1', 'conv=sparse', 'status=none']);
    const cat = async (path: string) => (await execa('debugfs', ['-R', `cat ${path}`, part])).stdout.trim();
    expect(await cat('/etc/ingot-marker')).toBe('built by ingot');
    expect(await cat('/opt/ingot-files/conf/app.conf')).toBe('answer = 42');
    expect(await cat('/etc/ingot-after-reboot')).toMatch(/^uptime \d+$/);
  }, 300_000);

  it('records the build in a manifest that matches the file', async () => {
    const manifest = JSON.parse(await readFile(join(dir, 'out', 'e2e-demo.manifest.json'), 'utf8')) as {
      recipe: { digest: string }; output: { sha256: string; size: number }; steps: Array<{ kind: string; exit_status: number | null }>; host: { product: string }; check: { verdict: string };
    };
    const bytes = await readFile(join(dir, 'out', 'e2e-demo.vhd'));
    expect(manifest.output).toMatchObject({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
    expect(manifest.recipe.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(manifest.steps.map((s) => s.kind)).toEqual(['shell', 'upload', 'reboot', 'script']);
    expect(manifest.steps[0]!.exit_status).toBe(0);
    expect(manifest.steps[3]!.exit_status).toBe(0);
    expect(manifest.check.verdict).toBe('pass');
    expect(JSON.stringify(manifest)).not.toContain(PASSWORD);
  }, 120_000);

  it('leaves nothing on the host', () => {
    const marked = (cls: string) => lab.lab.db.all(cls).filter(([, r]) => (r.other_config as Record<string, string> | undefined)?.['ingot:build'] !== undefined);
    expect(marked('VM')).toEqual([]);
    expect(marked('VDI')).toEqual([]);
  });
});
