// The lab's Hypervisor port implemented with qemu-system-x86_64 (docs/lab-guests.md).
import { constants } from 'node:fs';
import { access, mkdir, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { IngotError } from '../../errors/index.js';
import type { GuestSpec, Hypervisor } from '../hypervisor.js';
import { chooseAccel, HOST_PATHS, type AccelProbePaths, type AccelRequest } from './accel.js';
import { buildQemuArgs, statePaths, type StatePaths } from './args.js';
import { findOvmf, OVMF_DIRS, vmVarsStore } from './firmware.js';
import { QemuGuest, tail } from './guest.js';
import { Qmp } from './qmp.js';

export { chooseAccel, type AccelChoice, type AccelProbePaths, type AccelRequest } from './accel.js';
export { buildQemuArgs, statePaths, type StatePaths } from './args.js';
export { QemuGuest, type ExitReason } from './guest.js';

export const QEMU_BINARY = 'qemu-system-x86_64';
/** How long QEMU gets to open its QMP socket (it does so before the guest runs). */
const QMP_READY_MS = 30_000;

export interface QemuHypervisorOptions {
  accel: AccelRequest;
  /** Where to look for qemu-system-x86_64; defaults to $PATH. */
  path?: string;
  /** Host facts for the accelerator choice; tests point these at a fake tree. */
  probe?: AccelProbePaths;
  /** Directories searched for OVMF (UEFI guests). */
  ovmfDirs?: readonly string[];
}

async function findExecutable(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

function startFailed(spec: GuestSpec, paths: StatePaths, what: string, log: string, cause?: unknown): IngotError {
  // slirp cannot bind the forward: port 22 needs root (or a lower
  // net.ipv4.ip_unprivileged_port_start), and the address:port must be free (lab-notes §6).
  const hostfwd = /host forwarding rule/i.test(log);
  return new IngotError('QEMU_START_FAILED', `VM ${spec.name}: QEMU ${what}.${log ? `\n${log}` : ''}`, {
    hint: hostfwd
      ? `QEMU could not listen on ${spec.address}:22 for the guest's SSH. Run the lab as root or lower net.ipv4.ip_unprivileged_port_start to 22, and check nothing else listens there.`
      : `QEMU's messages are in ${paths.log}.`,
    cause,
    details: { uuid: spec.uuid, log: paths.log },
  });
}

/** Creates the hypervisor: finds QEMU and decides the accelerator once (its reason is printed by `ingot lab`). */
export async function createQemuHypervisor(options: QemuHypervisorOptions): Promise<Hypervisor> {
  const found = await findExecutable(QEMU_BINARY, options.path ?? process.env.PATH ?? '');
  if (found === undefined) {
    throw new IngotError('TOOL_MISSING', `${QEMU_BINARY} was not found on PATH; the lab runs its VMs with it.`, {
      hint: 'Install the Debian package qemu-system-x86 (apt-get install qemu-system-x86).',
    });
  }
  const binary: string = found;
  const { accel, reason } = await chooseAccel(options.accel, options.probe ?? HOST_PATHS);
  const ovmfDirs = options.ovmfDirs ?? OVMF_DIRS;

  async function start(spec: GuestSpec, signal?: AbortSignal): Promise<QemuGuest> {
    signal?.throwIfAborted();
    const paths = statePaths(spec.stateDir);
    await mkdir(spec.stateDir, { recursive: true });
    // Sockets left by an earlier run would make the QMP wait below connect to nothing.
    await Promise.all([rm(paths.qmp, { force: true }), rm(paths.qga, { force: true })]);
    const ovmf = spec.firmware === 'uefi' ? await findOvmf(ovmfDirs) : undefined;
    const args = buildQemuArgs(spec, {
      accel,
      paths,
      ...(ovmf ? { ovmf: { code: ovmf.code, vars: await vmVarsStore(ovmf, spec.stateDir) } } : {}),
    });
    // Not detached: execa's cleanup kills QEMU if the lab process exits, and the abort signal
    // (the lab shutting down) stops it too.
    const child = execa(binary, args, {
      reject: false,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: { file: paths.log },
      ...(signal ? { cancelSignal: signal } : {}),
      forceKillAfterDelay: 5_000,
      cleanup: true,
    });
    let exited = false;
    void child.then(() => (exited = true));
    const deadline = Date.now() + QMP_READY_MS;
    let lastError: unknown;
    while (!exited && Date.now() < deadline) {
      try {
        const qmp = await Qmp.connect(paths.qmp, 5_000);
        return new QemuGuest(spec, paths, child, qmp, signal);
      } catch (err) {
        lastError = err;
        await Promise.race([sleep(100), child]);
      }
    }
    if (!exited) {
      child.kill('SIGKILL');
      await child;
      throw startFailed(spec, paths, `did not open its QMP socket within ${QMP_READY_MS / 1000} s`, await tail(paths.log), lastError);
    }
    if (signal?.aborted) throw new IngotError('INTERRUPTED', `VM ${spec.name}: start interrupted.`, { cause: signal.reason });
    const result = await child;
    throw startFailed(spec, paths, `exited at start (${result.signal ?? `exit code ${result.exitCode}`})`, await tail(paths.log));
  }

  return { accel, accelReason: reason, start };
}
