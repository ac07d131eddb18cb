// Which accelerator QEMU runs guests with, and why. `auto` must never pick one in which a guest
// cannot boot: on our machines /dev/kvm is kvm_pvm, a software nested layer in which a stock
// Debian kernel stalls in its decompressor for minutes (lab-notes §2 "KVM ... fails").
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IngotError } from '../../errors/index.js';

export type AccelRequest = 'kvm' | 'tcg' | 'auto';
export const ACCEL_REQUESTS: readonly AccelRequest[] = ['kvm', 'tcg', 'auto'];

/** Where the host facts are read from; tests point these at a fake tree. */
export interface AccelProbePaths {
  devKvm: string;
  sysModule: string;
  cpuinfo: string;
}

export const HOST_PATHS: AccelProbePaths = { devKvm: '/dev/kvm', sysModule: '/sys/module', cpuinfo: '/proc/cpuinfo' };

export interface AccelChoice {
  accel: 'kvm' | 'tcg';
  reason: string;
}

interface KvmFacts {
  /** Why KVM would not run a stock guest kernel here; undefined when it would. */
  unusable: string | undefined;
  /** Why KVM cannot be opened at all (a subset of `unusable`). */
  unavailable: string | undefined;
  vendor: string;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function probeKvm(paths: AccelProbePaths): Promise<KvmFacts> {
  const cpuinfo = await readFile(paths.cpuinfo, 'utf8').catch(() => '');
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '').trim().split(/\s+/));
  const vendor = flags.has('vmx') ? 'vmx' : flags.has('svm') ? 'svm' : '';
  let unavailable: string | undefined;
  if (!(await exists(paths.devKvm))) unavailable = `${paths.devKvm} does not exist`;
  else if (await access(paths.devKvm, constants.R_OK | constants.W_OK).then(() => false, () => true)) {
    unavailable = `${paths.devKvm} is not readable and writable by this user (add it to the kvm group)`;
  }
  const problems: string[] = [];
  const pvm = join(paths.sysModule, 'kvm_pvm');
  if (await exists(pvm)) {
    problems.push(`the host's KVM is kvm_pvm (software nested virtualisation, ${pvm}), in which a stock Debian kernel does not boot`);
  } else if (vendor === '') {
    problems.push(`the CPU has neither the vmx nor the svm flag (${paths.cpuinfo})`);
  }
  if (unavailable !== undefined) problems.push(unavailable);
  const unusable = problems.length > 0 ? problems.join('; ') : undefined;
  return { unusable, unavailable, vendor };
}

/** Decides the accelerator; throws ACCEL_UNAVAILABLE when `kvm` is requested and /dev/kvm cannot be used. */
export async function chooseAccel(request: AccelRequest, paths: AccelProbePaths = HOST_PATHS): Promise<AccelChoice> {
  if (!ACCEL_REQUESTS.includes(request)) {
    throw new IngotError('USAGE', `Unknown accelerator "${String(request)}".`, { hint: `Use one of: ${ACCEL_REQUESTS.join(', ')}.` });
  }
  if (request === 'tcg') return { accel: 'tcg', reason: 'tcg (software emulation), as requested' };
  const kvm = await probeKvm(paths);
  if (request === 'kvm') {
    if (kvm.unavailable !== undefined) {
      throw new IngotError('ACCEL_UNAVAILABLE', `KVM was requested but ${kvm.unavailable}.`, {
        hint: 'Use --accel tcg (slower, always works) or --accel auto.',
        details: { devKvm: paths.devKvm },
      });
    }
    // An explicit request is honoured even where auto would refuse: a guest kernel built for
    // the nested layer may run there. Say what to expect.
    const caveat = kvm.unusable === undefined ? `/dev/kvm usable, CPU has ${kvm.vendor}` : `warning: ${kvm.unusable}`;
    return { accel: 'kvm', reason: `kvm, as requested (${caveat})` };
  }
  if (kvm.unusable !== undefined) return { accel: 'tcg', reason: `tcg (software emulation, slow): ${kvm.unusable}` };
  return { accel: 'kvm', reason: `kvm: ${paths.devKvm} is usable and the CPU has ${kvm.vendor}` };
}
