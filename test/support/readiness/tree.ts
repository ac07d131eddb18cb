// A directory tree shaped like a Debian/Ubuntu root file system after a good readiness run, for
// running templates/readiness/rackspace/probe.sh with the real `sh` (ROOT=<tree>).
import { execa } from 'execa';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROBE = fileURLToPath(new URL('../../../templates/readiness/rackspace/probe.sh', import.meta.url));
export const SSH_USER = 'rackuser';
export const BUILD_USER = 'ingot-build';
export const BUILD_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuildKeyBlobForTheProbeTestOnly0000000000 ingot-build@test-build';

export const UBUNTU_2404 = 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n';
export const DEBIAN_12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';

const ROOT_UUID = '0f3c1b8e-2b7e-4c1a-9d55-6a1e3c2b9f10';

/** Writes `content` at `path` inside `root`, creating parents. */
export async function put(root: string, path: string, content: string, mode = 0o644): Promise<void> {
  const full = join(root, path);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, content);
  await chmod(full, mode);
}

/** A tree every probe item passes on (Ubuntu 24.04 with the XenServer agent installed). */
export async function cleanTree(root: string): Promise<void> {
  await put(root, 'etc/os-release', UBUNTU_2404);
  await put(root, 'usr/bin/cloud-init', '#!/bin/sh\n', 0o755);
  await put(root, 'usr/sbin/xe-daemon', '#!/bin/sh\n', 0o755);
  await put(root, 'etc/cloud/cloud.cfg', [
    'users:', '   - default', 'disable_root: true', 'system_info:', '   distro: ubuntu', '   default_user:',
    '     name: ubuntu', '     lock_passwd: True', '     groups: [adm, sudo]', '   paths:', '      cloud_dir: /var/lib/cloud/', '',
  ].join('\n'));
  await put(root, 'etc/cloud/cloud.cfg.d/05_logging.cfg', '_log:\n - &log_base |\n   [loggers]\n');
  await put(root, 'etc/cloud/cloud.cfg.d/90_dpkg.cfg', '# Written by ingot\ndatasource_list: [ ConfigDrive, None ]\n');
  await put(root, 'etc/cloud/cloud.cfg.d/99_rackspace.cfg', `system_info:\n  default_user:\n    name: ${SSH_USER}\n    lock_passwd: true\n    sudo: ["ALL=(ALL) NOPASSWD:ALL"]\n`);
  await mkdir(join(root, 'var/lib/cloud'), { recursive: true });
  await put(root, 'etc/passwd', `root:x:0:0:root:/root:/bin/bash\nubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n`);
  await put(root, 'etc/shadow', 'root:*:19000:0:99999:7:::\nubuntu:!:19000:0:99999:7:::\n', 0o640);
  await put(root, 'etc/group', 'root:x:0:\nsudo:x:27:ubuntu\nubuntu:x:1000:\n');
  await put(root, 'etc/sudoers', 'root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n', 0o440);
  await put(root, 'etc/sudoers.d/README', '# files in this directory are read by sudo\n', 0o440);
  await put(root, 'home/ubuntu/.ssh/authorized_keys', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKey other@example\n', 0o600);
  await put(root, 'root/.ssh/authorized_keys', '', 0o600);
  await put(root, 'etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config.d/*.conf\n');
  await put(root, 'etc/machine-id', '');
  await mkdir(join(root, 'var/lib/dbus'), { recursive: true });
  await put(root, 'etc/network/interfaces', 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n');
  await mkdir(join(root, 'etc/netplan'), { recursive: true });
  await put(root, 'etc/fstab', `# <file system> <mount point> <type> <options> <dump> <pass>\nUUID=${ROOT_UUID} / ext4 errors=remount-ro 0 1\nLABEL=SWAP none swap sw 0 0\ntmpfs /tmp tmpfs defaults 0 0\n`);
  await put(root, 'etc/default/grub', 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=1\nGRUB_CMDLINE_LINUX_DEFAULT=""\nGRUB_CMDLINE_LINUX=""\n');
  await put(root, 'etc/default/grub.d/99-ingot-rackspace.cfg', 'GRUB_CMDLINE_LINUX="${GRUB_CMDLINE_LINUX:+$GRUB_CMDLINE_LINUX }console=tty0 console=hvc0 console=ttyS0,115200n8"\n');
  await put(root, 'boot/grub/grub.cfg', [
    'menuentry \'Ubuntu\' {', `\tsearch --no-floppy --fs-uuid --set=root ${ROOT_UUID}`,
    `\tlinux\t/boot/vmlinuz-6.8.0-45-generic root=UUID=${ROOT_UUID} ro console=tty0 console=hvc0 console=ttyS0,115200n8`,
    '\tinitrd\t/boot/initrd.img-6.8.0-45-generic', '}', '',
  ].join('\n'));
  await mkdir(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
  await mkdir(join(root, 'var/lib/apt/lists/partial'), { recursive: true });
  await put(root, 'var/lib/apt/lists/lock', '');
  await put(root, 'root/.profile', '# ~/.profile\n');
}

export interface ProbeItemOut { id: string; ok: boolean; evidence: string }

/** Runs probe.sh with the real sh against `root`; returns the parsed list. */
export async function runProbeOn(root: string, env: Record<string, string> = {}): Promise<ProbeItemOut[]> {
  const result = await execa('sh', [PROBE], { env: { ROOT: root, SSH_USER, BUILD_USER, BUILD_KEY, ...env }, extendEnv: false });
  return JSON.parse(result.stdout) as ProbeItemOut[];
}
