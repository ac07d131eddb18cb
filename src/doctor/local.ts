// The local pieces every command may need: Node itself and qemu-img.
import { findOnPath, versionLine } from './tools.js';
import { fail, ok, type Check } from './types.js';

/** package.json "engines" and scripts/node-env.sh: Node ≥ 22.12. */
export const MIN_NODE: readonly [number, number] = [22, 12];

export function checkNode(version: string = process.versions.node, execPath: string = process.execPath): Check {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const found = `Node ${version} (${execPath})`;
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return ok('node', found);
  return fail('node', `${found}; ingot needs ${MIN_NODE.join('.')} or later`, 'Run `. scripts/node-env.sh` in the checkout (it installs Node 24 into a cache directory), or install Node ≥ 22.12.');
}

/**
 * qemu-img turns qcow2/vmdk/vhd sources into raw (the bundled Debian and Ubuntu recipes use qcow2
 * cloud images; `ingot convert` of those formats), and its `map` lets raw sources skip their holes.
 */
export async function checkQemuImg(env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<Check> {
  const fix = "Install it (Debian/Ubuntu: 'apt-get install qemu-utils'; macOS: 'brew install qemu'), or use only raw source images.";
  const path = await findOnPath('qemu-img', env.PATH);
  if (path === undefined) {
    return fail('qemu-img', 'qemu-img is not on PATH: builds from qcow2/vmdk/vhd sources (the bundled debian-12 and ubuntu-24.04 recipes) and `ingot convert` of those formats cannot run', fix);
  }
  const version = await versionLine(path, ['--version'], signal);
  if (version === undefined) return fail('qemu-img', `${path} does not run (\`qemu-img --version\` failed)`, fix);
  return ok('qemu-img', `${version} (${path})`);
}
