// `ingot build` of the Debian test guest with readiness.target rackspace, through the real CLI on
// the lab host (a real QEMU guest). The exported VHD's file system is read back with debugfs and
// checked for what a first Rackspace boot needs; the same probe then runs on the host over the
// files copied out of the VHD, so the image (not only the live guest) is judged. The recipe leaves
// one trap of its own and waives its item, so the waiver path runs end to end too. One boot.
// Ubuntu 24.04, the other supported system, is not tested here: there is no Ubuntu image on this
// machine (only the probe runs against an Ubuntu-shaped tree, test/integration/readiness).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUILD_USER } from '../../../src/guest/seed/index.js';
import { READINESS_ITEM_IDS } from '../../../src/guest/readiness/index.js';
import { vhdToRawFile } from '../../../src/vhd/index.js';
import { guestRecipe, startGuestE2e } from '../../support/guest/e2e.js';
import { PASSWORD, type TestLab } from '../../support/lab/lab.js';
import { runProbeOn } from '../../support/readiness/tree.js';
import { runCli } from '../../support/run-cli.js';

const SSH_USER = 'rackuser';
let lab: TestLab;
let dir: string;
let part: string;
let build: { status: number; stdout: string; stderr: string };

interface Manifest {
  readiness: {
    target: string; ssh_user: string; system: string; waive: string[];
    report: Array<{ id: string; ok: boolean; evidence: string; waived: boolean }>;
    build_identity: { hostname: string; host_key_fingerprints: string[]; machine_id_sha256: string };
  };
  stages: Array<{ id: string }>;
}

beforeAll(async () => {
  const e2e = await startGuestE2e('ingot-e2e-rackspace-');
  ({ lab, dir } = e2e);
  await writeFile(join(dir, 'recipe.yaml'), guestRecipe('e2e-rack', e2e.image, [
    'provision:',
    // A history the preparation must clear, and a swap-free fstab line by kernel name it must rewrite.
    '  - shell: |',
    '      echo "ls /" > /root/.bash_history',
    '      root_dev=$(findmnt -n -o SOURCE /)',
    '      sed -i "s|^UUID=[^[:space:]]*[[:space:]]*/[[:space:]]|$root_dev / |" /etc/fstab',
    '      grep -q "^/dev/" /etc/fstab',
    // A MAC-pinned interface of the recipe's own: the preparation leaves it, the probe fails
    // net-rules-absent, and the recipe waives that item (the waiver path, end to end).
    '      printf "iface ens99 inet manual\\n    hwaddress ether 52:54:00:aa:bb:cc\\n" > /etc/network/interfaces.d/pinned',
    'readiness:',
    '  target: rackspace',
    `  ssh_user: ${SSH_USER}`,
    '  waive: [net-rules-absent]',
    'output:',
    '  directory: out',
  ]));
  const env = { ...e2e.env, SOURCE_DATE_EPOCH: '1700000000' };
  build = await runCli(['build', join(dir, 'recipe.yaml')], { env, timeout: 40 * 60_000 });
  if (build.status !== 0) console.error(`ingot build failed (status ${build.status}):\n${build.stdout}\n${build.stderr}`);
  else {
    const raw = join(dir, 'disk.raw');
    await vhdToRawFile(join(dir, 'out', 'e2e-rack.vhd'), raw);
    // One partition at 1 MiB (scripts/guest-image.sh); debugfs reads it without mounting.
    part = join(dir, 'part.img');
    await execa('dd', [`if=${raw}`, `of=${part}`, 'bs=1M', 'skip=1', 'conv=sparse', 'status=none']);
    await rm(raw);
  }
}, 50 * 60_000);

afterAll(async () => {
  await lab?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const debugfs = async (request: string): Promise<string> => {
  if (part === undefined) throw new Error('the build exported no image to read');
  return (await execa('debugfs', ['-R', request, part])).stdout;
};
const cat = (path: string): Promise<string> => debugfs(`cat ${path}`);
const names = async (path: string): Promise<string[]> => (await debugfs(`ls -p ${path}`)).split('\n').map((l) => l.split('/')[5] ?? '').filter((n) => n !== '' && n !== '.' && n !== '..');
const manifest = async (): Promise<Manifest> => JSON.parse(await readFile(join(dir, 'out', 'e2e-rack.manifest.json'), 'utf8')) as Manifest;

describe('ingot build with readiness.target rackspace on the lab host', () => {
  it('succeeds, with the readiness stage run and the guest powering itself off', () => {
    expect(build.status).toBe(0);
    // The one warning: the waived item, with its evidence.
    expect(build.stderr.trim().split('\n')).toEqual([expect.stringMatching(/warning: readiness item net-rules-absent failed and is waived by the recipe: .*\/etc\/network\/interfaces\.d\/pinned/)]);
    expect(build.stdout).toMatch(/✔ prepare the image for its target.*Debian 12: 17\/18 probe items passed, waived: net-rules-absent/);
    expect(build.stdout).toMatch(/✔ power the guest off.*powered itself off after the readiness stage/);
  });

  it('leaves no build user, host keys or machine-id in the image', async () => {
    expect(await cat('/etc/passwd')).not.toContain(DEFAULT_BUILD_USER);
    expect(await cat('/etc/group')).not.toContain(DEFAULT_BUILD_USER);
    expect(await names('/home')).not.toContain(DEFAULT_BUILD_USER);
    expect((await names('/etc/ssh')).filter((n) => n.startsWith('ssh_host_'))).toEqual([]);
    expect(await cat('/etc/machine-id')).toBe('');
    // cloud-init's sudoers file may stay for other users it made; the build user's rule may not.
    for (const name of await names('/etc/sudoers.d')) expect(await cat(`/etc/sudoers.d/${name}`)).not.toContain(DEFAULT_BUILD_USER);
    expect(await cat('/root/.bash_history').catch(() => '')).toBe('');
  }, 120_000);

  it('configures cloud-init for the config drive with ssh_user as its default user', async () => {
    expect(await cat('/etc/cloud/cloud.cfg.d/90_dpkg.cfg')).toMatch(/^datasource_list: \[ ConfigDrive, None \]$/m);
    // The test image's own 99-ingot.cfg pinned NoCloud first (scripts/guest-image.sh).
    expect(await cat('/etc/cloud/cloud.cfg.d/99-ingot.cfg')).not.toMatch(/datasource_list/);
    expect(await cat('/etc/cloud/cloud.cfg.d/99_rackspace.cfg')).toMatch(new RegExp(`default_user:\\n\\s+name: ${SSH_USER}\\n`));
    expect(await names('/var/lib/cloud')).not.toContain('instance');
  }, 120_000);

  it('names the root by UUID in fstab and the consoles on every kernel line', async () => {
    const fstab = (await cat('/etc/fstab')).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(fstab.find((l) => l.split(/\s+/)[1] === '/')).toMatch(/^UUID=[0-9a-f-]{36}\s/);
    expect(fstab.filter((l) => l.startsWith('/dev/'))).toEqual([]);
    const linux = (await cat('/boot/grub/grub.cfg')).split('\n').filter((l) => /^\s*linux\s/.test(l));
    expect(linux.length).toBeGreaterThan(0);
    for (const line of linux) expect(line).toMatch(/root=UUID=.* console=hvc0 .*console=ttyS0/);
  }, 120_000);

  it('records the probe report (every item ok or waived) and the build identity in the manifest', async () => {
    const { readiness, stages } = await manifest();
    console.info(`stages: ${JSON.stringify(stages)}`);
    expect(readiness).toMatchObject({ target: 'rackspace', ssh_user: SSH_USER, system: 'Debian 12', waive: ['net-rules-absent'] });
    expect(readiness.report.map((i) => i.id)).toEqual([...READINESS_ITEM_IDS]);
    expect(readiness.report.filter((i) => !i.ok && !i.waived)).toEqual([]);
    expect(readiness.report.filter((i) => !i.ok)).toEqual([{ id: 'net-rules-absent', ok: false, waived: true, evidence: expect.stringContaining('/etc/network/interfaces.d/pinned') }]);
    expect(readiness.build_identity.hostname).toBe('e2e-rack');
    expect(readiness.build_identity.machine_id_sha256).toMatch(/^[0-9a-f]{64}$/);
    // Not the hash of an empty file: the build's machine-id was real.
    expect(readiness.build_identity.machine_id_sha256).not.toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // The host key ingot pinned for the build (the seed stage names it) is among them.
    const pinned = /host key (SHA256:[A-Za-z0-9+/]{43})/.exec(build.stdout)?.[1];
    expect(pinned).toBeDefined();
    expect(readiness.build_identity.host_key_fingerprints).toContain(pinned);
  });

  it('passes the same probe run on the host over the files copied out of the VHD', async () => {
    const root = join(dir, 'tree');
    for (const path of ['/etc', '/usr/lib/os-release', '/boot/grub', '/var/lib/cloud', '/var/lib/dbus', '/var/lib/apt/lists', '/var/cache/apt', '/root', '/home']) {
      await mkdir(join(root, dirname(path)), { recursive: true });
      await debugfs(`rdump ${path} ${join(root, dirname(path))}`);
    }
    await mkdir(join(root, 'usr/bin'), { recursive: true });
    await debugfs(`dump /usr/bin/cloud-init ${join(root, 'usr/bin/cloud-init')}`);
    const items = await runProbeOn(root, { SSH_USER });
    expect(items.filter((i) => !i.ok).map((i) => i.id)).toEqual(['net-rules-absent']);
  }, 300_000);
});
