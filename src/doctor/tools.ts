// Finding a local tool the way a child process would (the PATH given, not ours) and reading its
// version line, for `ingot doctor`.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';

export async function findOnPath(name: string, searchPath: string | undefined): Promise<string | undefined> {
  for (const dir of (searchPath ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/** The first line the tool prints for `args` (e.g. --version), or undefined when it fails to run. */
export async function versionLine(path: string, args: string[], signal?: AbortSignal): Promise<string | undefined> {
  const r = await execa(path, args, { reject: false, all: true, timeout: 15_000, ...(signal ? { cancelSignal: signal } : {}) });
  if (r.exitCode !== 0) return undefined;
  return String(r.all ?? '').split('\n').find((line) => line.trim() !== '')?.trim();
}
