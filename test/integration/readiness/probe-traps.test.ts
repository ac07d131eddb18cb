// The rackspace readiness probe, run with the real `sh` against a directory tree (ROOT=…): a
// clean tree passes every item, and each trap an image can carry into its first Rackspace boot,
// reintroduced on purpose, fails exactly its own item with evidence that names the file.
import { readFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { READINESS_ITEM_IDS } from '../../../src/guest/readiness/index.js';
import { BUILD_KEY, BUILD_USER, cleanTree, DEBIAN_12, put, runProbeOn } from '../../support/readiness/tree.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ingot-probe-'));
  await cleanTree(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const append = async (path: string, text: string): Promise<void> => put(root, path, (await readFile(join(root, path), 'utf8')) + text);

interface Trap { id: string; what: string; apply: () => Promise<void>; evidence: RegExp }

const TRAPS: Trap[] = [
  { id: 'cloud-init-installed', what: 'cloud-init disabled by its marker file', apply: () => put(root, 'etc/cloud/cloud-init.disabled', ''), evidence: /\/etc\/cloud\/cloud-init\.disabled/ },
  { id: 'datasource-configdrive', what: 'a later file puts OpenStack first', apply: () => put(root, 'etc/cloud/cloud.cfg.d/95_other.cfg', 'datasource_list: [ OpenStack, ConfigDrive, None ]\n'), evidence: /95_other\.cfg/ },
  { id: 'nocloud-absent', what: 'NoCloud still listed after ConfigDrive', apply: () => put(root, 'etc/cloud/cloud.cfg.d/90_dpkg.cfg', 'datasource_list:\n  - ConfigDrive\n  - NoCloud\n  - None\n'), evidence: /NoCloud.*\/etc\/cloud\/cloud\.cfg\.d\/90_dpkg\.cfg/ },
  { id: 'cloud-init-network', what: 'network configuration disabled', apply: () => put(root, 'etc/cloud/cloud.cfg.d/99-disable-network-config.cfg', 'network:\n  config: disabled\n'), evidence: /99-disable-network-config\.cfg/ },
  { id: 'cloud-init-clean', what: 'instance state from the build', apply: async () => { await mkdir(join(root, 'var/lib/cloud/instances/ingot-build-1'), { recursive: true }); await symlink('/var/lib/cloud/instances/ingot-build-1', join(root, 'var/lib/cloud/instance')); }, evidence: /\/var\/lib\/cloud\/instance/ },
  { id: 'default-user', what: 'the distribution\'s default user', apply: () => rm(join(root, 'etc/cloud/cloud.cfg.d/99_rackspace.cfg')), evidence: /ubuntu in \/etc\/cloud\/cloud\.cfg, expected rackuser/ },
  { id: 'build-user-absent', what: 'the build user in passwd and sudoers', apply: async () => { await append('etc/passwd', `${BUILD_USER}:x:1001:1001:ingot:/home/${BUILD_USER}:/bin/bash\n`); await put(root, 'etc/sudoers.d/90-cloud-init-users', `# User rules for ${BUILD_USER}\n${BUILD_USER} ALL=(ALL) NOPASSWD:ALL\n`); }, evidence: /\/etc\/passwd.*\/etc\/sudoers\.d\/90-cloud-init-users/ },
  { id: 'build-key-absent', what: 'the build key in root\'s authorized_keys', apply: () => put(root, 'root/.ssh/authorized_keys', `${BUILD_KEY.split(' ').slice(0, 2).join(' ')} someone-else\n`), evidence: /\/root\/\.ssh\/authorized_keys/ },
  { id: 'seed-config-absent', what: 'a cloud.cfg.d piece that carries the build user', apply: () => put(root, 'etc/cloud/cloud.cfg.d/50-build.cfg', `users:\n  - default\n  - name: ${BUILD_USER}\n`), evidence: /\/etc\/cloud\/cloud\.cfg\.d\/50-build\.cfg/ },
  { id: 'host-keys-absent', what: 'the build\'s host key', apply: () => put(root, 'etc/ssh/ssh_host_ed25519_key.pub', 'ssh-ed25519 AAAA host\n'), evidence: /\/etc\/ssh\/ssh_host_ed25519_key\.pub/ },
  { id: 'machine-id-empty', what: 'the build\'s machine-id', apply: () => put(root, 'etc/machine-id', '4f1c0b6a9e2d4d7f8a3b5c6d7e8f9a0b\n'), evidence: /\/etc\/machine-id/ },
  { id: 'net-rules-absent', what: 'a netplan file matching the build MAC', apply: () => put(root, 'etc/netplan/50-cloud-init.yaml', 'network:\n  ethernets:\n    eth0:\n      match:\n        macaddress: "52:54:00:12:34:56"\n      set-name: eth0\n      dhcp4: true\n  version: 2\n'), evidence: /\/etc\/netplan\/50-cloud-init\.yaml/ },
  { id: 'fstab-by-uuid', what: 'root by kernel device name', apply: () => append('etc/fstab', '/dev/sda2 /data ext4 defaults 0 2\n'), evidence: /\/etc\/fstab.*\/dev\/sda2 on \/data/ },
  { id: 'grub-root-by-uuid', what: 'a linux line with root=/dev/sda1', apply: async () => put(root, 'boot/grub/grub.cfg', (await readFile(join(root, 'boot/grub/grub.cfg'), 'utf8')).replace(/root=UUID=\S+/, 'root=/dev/sda1')), evidence: /\/boot\/grub\/grub\.cfg.*root=\/dev\/sda1/ },
  { id: 'console-hvc0-ttyS0', what: 'no hvc0 console', apply: async () => put(root, 'boot/grub/grub.cfg', (await readFile(join(root, 'boot/grub/grub.cfg'), 'utf8')).replace(' console=hvc0', '')), evidence: /\/boot\/grub\/grub\.cfg/ },
  { id: 'guest-agent', what: 'no XenServer agent on Ubuntu, which packages one', apply: () => rm(join(root, 'usr/sbin/xe-daemon')), evidence: /not installed.*ubuntu 24\.04 packages xe-guest-utilities/ },
  { id: 'caches-clean', what: 'downloaded packages', apply: () => put(root, 'var/cache/apt/archives/curl_8.5.0_amd64.deb', 'deb'), evidence: /\/var\/cache\/apt\/archives\/curl_8\.5\.0_amd64\.deb/ },
  { id: 'history-clean', what: 'root\'s shell history', apply: () => put(root, 'root/.bash_history', 'sudo -i\n'), evidence: /\/root\/\.bash_history/ },
];

describe('probe.sh on a directory tree', () => {
  it('passes every item on a clean tree, in the order and with the ids of items.ts', async () => {
    const items = await runProbeOn(root);
    expect(items.map((i) => i.id)).toEqual([...READINESS_ITEM_IDS]);
    expect(items.filter((i) => !i.ok)).toEqual([]);
    for (const item of items) expect(item.evidence).not.toBe('');
  });

  it('has one trap case per item', () => {
    expect(TRAPS.map((t) => t.id).sort()).toEqual([...READINESS_ITEM_IDS].sort());
  });

  for (const trap of TRAPS) {
    it(`${trap.id}: fails exactly this item when the trap is back (${trap.what})`, async () => {
      await trap.apply();
      const items = await runProbeOn(root);
      const failed = items.filter((i) => !i.ok);
      expect(failed.map((i) => i.id)).toEqual([trap.id]);
      expect(failed[0]!.evidence).toMatch(trap.evidence);
    });
  }

  it('accepts a Debian 12 tree without the agent and says Debian packages none', async () => {
    await put(root, 'etc/os-release', DEBIAN_12);
    await rm(join(root, 'usr/sbin/xe-daemon'));
    const agent = (await runProbeOn(root)).find((i) => i.id === 'guest-agent')!;
    expect(agent.ok).toBe(true);
    expect(agent.evidence).toMatch(/Debian 12 packages no XenServer guest agent/);
  });

  it('reports why the preparation could not install the agent', async () => {
    await rm(join(root, 'usr/sbin/xe-daemon'));
    const agent = (await runProbeOn(root, { AGENT_NOTE: 'apt-get install xe-guest-utilities failed: E: Unable to locate package xe-guest-utilities' })).find((i) => i.id === 'guest-agent')!;
    expect(agent).toMatchObject({ ok: false, evidence: expect.stringMatching(/Unable to locate package/) });
  });

  it('fails several items at once and keeps the JSON valid with quotes in the evidence', async () => {
    await put(root, 'etc/cloud/cloud.cfg.d/90_dpkg.cfg', 'datasource_list: [ "NoCloud", ConfigDrive ]\n');
    await put(root, 'etc/fstab', '/dev/xvda1 / ext4 defaults 0 1\n');
    const failed = (await runProbeOn(root)).filter((i) => !i.ok).map((i) => i.id);
    expect(failed).toEqual(['datasource-configdrive', 'nocloud-absent', 'fstab-by-uuid']);
  });

  it('reads the machine-id trap from a dbus copy too', async () => {
    await writeFile(join(root, 'var/lib/dbus/machine-id'), '4f1c0b6a9e2d4d7f8a3b5c6d7e8f9a0b\n');
    const item = (await runProbeOn(root)).find((i) => i.id === 'machine-id-empty')!;
    expect(item).toMatchObject({ ok: false, evidence: expect.stringMatching(/\/var\/lib\/dbus\/machine-id/) });
  });
});

describe('probe.sh guest-agent on an Ubuntu tree', () => {
  it('counts xe-guest-utilities in the dpkg status as installed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ingot-probe-'));
    try {
      await cleanTree(root);
      await rm(join(root, 'usr/sbin/xe-daemon'));
      await put(root, 'var/lib/dpkg/status', 'Package: xe\nStatus: install ok installed\n\nPackage: xe-guest-utilities\nStatus: install ok installed\nVersion: 7.20.2-0ubuntu1\n\n');
      expect((await runProbeOn(root)).find((i) => i.id === 'guest-agent')).toMatchObject({ ok: true, evidence: expect.stringMatching(/xe-guest-utilities \(dpkg status\)/) });
      await put(root, 'var/lib/dpkg/status', 'Package: xe-guest-utilities\nStatus: deinstall ok config-files\n\n');
      expect((await runProbeOn(root)).find((i) => i.id === 'guest-agent')?.ok).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
