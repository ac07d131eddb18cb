// What `ingot lab` needs on this machine, beyond what every command needs. All of it matters only
// for the built-in lab host, so a gap here is a warning, never a failure.
import { readFile } from 'node:fs/promises';
import { chooseAccel, HOST_PATHS, type AccelProbePaths } from '../lab/qemu/accel.js';
import { findOvmf, OVMF_DIRS } from '../lab/qemu/firmware.js';
import { findOnPath, versionLine } from './tools.js';
import { ok, warn, type Check } from './types.js';

export interface LabProbe {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  accelPaths?: AccelProbePaths;
  ovmfDirs?: readonly string[];
  /** Where the unprivileged-port floor is read (Linux). */
  portStartFile?: string;
  uid?: number | undefined;
}

export async function checkLab(probe: LabProbe): Promise<Check[]> {
  return [await qemuSystem(probe), await kvm(probe), await port22(probe), await openssl(probe), await ovmf(probe)];
}

async function qemuSystem({ env, signal }: LabProbe): Promise<Check> {
  const path = await findOnPath('qemu-system-x86_64', env.PATH);
  const version = path === undefined ? undefined : await versionLine(path, ['--version'], signal);
  if (path !== undefined && version !== undefined) return ok('lab.qemu', `${version} (${path})`);
  return warn('lab.qemu', path === undefined ? 'qemu-system-x86_64 is not on PATH: `ingot lab` cannot start VMs' : `${path} does not run`, "Install the Debian package qemu-system-x86 ('apt-get install qemu-system-x86'); needed only for `ingot lab`.");
}

async function kvm({ accelPaths }: LabProbe): Promise<Check> {
  const choice = await chooseAccel('auto', accelPaths ?? HOST_PATHS);
  if (choice.accel === 'kvm') return ok('lab.kvm', choice.reason);
  return warn(
    'lab.kvm',
    `\`ingot lab\` guests will run under ${choice.reason}`,
    'Guests still boot, several times slower (minutes). For KVM: enable nested virtualization in the VM that runs ingot ' +
      '(the Vagrantfile does for libvirt and VirtualBox), and add your user to the kvm group.',
  );
}

// The lab forwards <address>:22 to each guest's sshd (docs/lab-guests.md), a privileged port.
async function port22({ portStartFile = '/proc/sys/net/ipv4/ip_unprivileged_port_start', uid = process.getuid?.() }: LabProbe): Promise<Check> {
  if (uid === 0) return ok('lab.port22', 'running as root: the lab can forward port 22 to its guests');
  const text = await readFile(portStartFile, 'utf8').catch(() => undefined);
  const start = text === undefined ? undefined : Number(text.trim());
  if (start !== undefined && start <= 22) return ok('lab.port22', `net.ipv4.ip_unprivileged_port_start is ${start}: the lab can forward port 22 to its guests`);
  return warn(
    'lab.port22',
    start === undefined ? `cannot read ${portStartFile}; the lab's guests need port 22 on their loopback address` : `net.ipv4.ip_unprivileged_port_start is ${start} and this user is not root: lab guests cannot get their SSH port 22`,
    "Run `ingot lab` as root, or 'sysctl -w net.ipv4.ip_unprivileged_port_start=22' (as root).",
  );
}

async function openssl({ env, signal }: LabProbe): Promise<Check> {
  const path = await findOnPath('openssl', env.PATH);
  const version = path === undefined ? undefined : await versionLine(path, ['version'], signal);
  if (path !== undefined && version !== undefined) return ok('lab.openssl', `${version} (${path})`);
  return warn('lab.openssl', 'openssl is not on PATH: a new lab cannot make its self-signed certificate', "Install openssl ('apt-get install openssl'), or run the lab with --http.");
}

async function ovmf({ ovmfDirs = OVMF_DIRS }: LabProbe): Promise<Check> {
  try {
    const found = await findOvmf(ovmfDirs);
    return ok('lab.ovmf', `UEFI firmware ${found.code}`);
  } catch (error) {
    return warn('lab.ovmf', `no OVMF firmware in ${ovmfDirs.join(', ')}: lab VMs with firmware uefi cannot start (bios ones can)`, (error as { hint?: string }).hint ?? 'Install the Debian package ovmf.');
  }
}
