// `vagrant validate` on the repository's Vagrantfile, once per provider it configures: libvirt
// through Debian's vagrant-libvirt plugin, VirtualBox with a stand-in VBoxManage on PATH (Debian
// does not ship VirtualBox; Vagrant only asks it for its version before validating the settings).
// A misspelt provider setting must fail, so a pass means the provider's settings were read.
import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const hasVagrant = (await execa('vagrant', ['--version'], { reject: false })).exitCode === 0;

let dir: string;
let vboxBin: string;

beforeAll(async () => {
  if (!hasVagrant) return;
  dir = await mkdtemp(join(tmpdir(), 'ingot-vagrant-'));
  vboxBin = join(dir, 'bin');
  await mkdir(vboxBin);
  await writeFile(join(vboxBin, 'VBoxManage'), '#!/bin/sh\n# stand-in: Vagrant reads the version to pick its VirtualBox driver\n[ "$1" = --version ] && { echo 7.0.14r161095; exit 0; }\necho "unexpected VBoxManage $*" >&2; exit 1\n');
  await chmod(join(vboxBin, 'VBoxManage'), 0o755);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function validate(cwd: string, provider: 'libvirt' | 'virtualbox') {
  return execa('vagrant', ['validate'], {
    cwd,
    reject: false,
    all: true,
    timeout: 120_000,
    env: {
      // No network (update checks), and nothing written into the checkout or the user's ~/.vagrant.d.
      VAGRANT_CHECKPOINT_DISABLE: '1',
      VAGRANT_HOME: join(dir, 'home'),
      VAGRANT_DOTFILE_PATH: join(dir, `dot-${provider}`),
      VAGRANT_DEFAULT_PROVIDER: provider,
      PATH: provider === 'virtualbox' ? `${vboxBin}${delimiter}${process.env.PATH}` : process.env.PATH,
    },
  });
}

describe('the Vagrantfile\'s provisioning scripts', () => {
  it('are valid bash (vagrant validate does not read them)', async () => {
    const text = await readFile(join(REPO, 'Vagrantfile'), 'utf8');
    const scripts = [...text.matchAll(/<<-SHELL\n([\s\S]*?)\n\s*SHELL\n/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    for (const script of scripts) {
      const r = await execa('bash', ['-n'], { input: script, reject: false });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    }
  });
});

// Skipped only where vagrant is not installed; CI installs it from scripts/packages.sh.
describe.skipIf(!hasVagrant)(hasVagrant ? 'the Vagrantfile' : 'the Vagrantfile (skipped: vagrant is not installed; CI installs it from scripts/packages.sh)', () => {
  it.each(['libvirt', 'virtualbox'] as const)('passes vagrant validate with the %s provider', { timeout: 150_000 }, async (provider) => {
    const r = await validate(REPO, provider);
    expect(r.all).toContain('Vagrantfile validated successfully.');
    expect(r.exitCode).toBe(0);
  });

  it.each([
    ['libvirt', 'lv.memory', 'Libvirt Provider'],
    ['virtualbox', 'vb.memory', 'VirtualBox Provider'],
  ] as const)('fails vagrant validate on a misspelt %s setting', { timeout: 150_000 }, async (provider, setting, section) => {
    const copy = join(dir, `bad-${provider}`);
    await mkdir(copy, { recursive: true });
    const text = await readFile(join(REPO, 'Vagrantfile'), 'utf8');
    expect(text).toContain(`${setting} =`);
    await writeFile(join(copy, 'Vagrantfile'), text.replace(`${setting} =`, `${setting}x =`));
    const r = await validate(copy, provider);
    expect(r.exitCode).toBe(1);
    expect(r.all).toContain(section);
    expect(r.all).toContain("The following settings shouldn't exist: memoryx");
  });
});
