// UEFI firmware for `HVM_boot_params.firmware = "uefi"`: OVMF from Debian's `ovmf` package.
// The code image is shared read-only; each VM gets its own copy of the variable store (XAPI keeps
// it per VM too, in the VM's NVRAM field — xapi.md §8 "UEFI").
import { copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IngotError } from '../../errors/index.js';

export interface OvmfPaths {
  code: string;
  vars: string;
}

export const OVMF_DIRS = ['/usr/share/OVMF'];
// Debian 12 ships the 4 MiB build and the older 2 MiB one; the 4 MiB one is preferred.
const PAIRS: [string, string][] = [
  ['OVMF_CODE_4M.fd', 'OVMF_VARS_4M.fd'],
  ['OVMF_CODE.fd', 'OVMF_VARS.fd'],
];

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/** Finds an OVMF code/vars pair, or throws TOOL_MISSING naming the package. */
export async function findOvmf(dirs: readonly string[] = OVMF_DIRS): Promise<OvmfPaths> {
  for (const dir of dirs) {
    for (const [code, vars] of PAIRS) {
      if ((await isFile(join(dir, code))) && (await isFile(join(dir, vars)))) return { code: join(dir, code), vars: join(dir, vars) };
    }
  }
  throw new IngotError('TOOL_MISSING', `A VM asks for UEFI firmware, but no OVMF image was found in ${dirs.join(', ')}.`, {
    hint: 'Install the Debian package ovmf (apt-get install ovmf), or boot the VM with HVM_boot_params firmware=bios.',
    details: { looked: dirs, files: PAIRS.flat() },
  });
}

/** The VM's own writable variable store in its state directory, created from the template once. */
export async function vmVarsStore(ovmf: OvmfPaths, stateDir: string): Promise<string> {
  const path = join(stateDir, 'OVMF_VARS.fd');
  if (!(await isFile(path))) await copyFile(ovmf.vars, path);
  return path;
}
