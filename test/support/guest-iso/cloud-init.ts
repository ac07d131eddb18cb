// Runs Debian 12's real cloud-init 22.4 code (unpacked by fetch-cloud-init.sh, never installed)
// against ingot's seeds: `cloud-init schema` for user-data, and the NoCloud and ConfigDrive
// datasources (read-seed.py) for the seed layouts.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Debian's interpreter: the libraries from scripts/packages.sh are installed for it, not for
// whatever python3 a version manager puts first on PATH.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

let root: string | undefined;

/** The unpacked cloud-init tree (downloaded once per machine, ~1 MB, a few seconds). */
export function cloudInitRoot(): string {
  root ??= execFileSync(join(here, 'fetch-cloud-init.sh'), { encoding: 'utf8', timeout: 120_000 }).trim();
  return root;
}

function env(): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: join(cloudInitRoot(), 'usr/lib/python3/dist-packages'), PYTHONDONTWRITEBYTECODE: '1' };
}

/** `cloud-init schema --config-file FILE`: exit status and output. */
export function cloudInitSchema(file: string): { ok: boolean; output: string } {
  const r = spawnSync(PYTHON, ['-c', 'import sys; from cloudinit.cmd.main import main; sys.exit(main())', 'schema', '--config-file', file], { env: env(), encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

export interface SeedAsRead {
  found: boolean;
  dsname?: string;
  instance_id?: string;
  hostname?: string;
  public_keys?: string[];
  userdata_raw?: string;
  network_config?: unknown;
  metadata_keys?: string[];
}

/** What cloud-init's datasource makes of a seed directory (the files extracted from the ISO). */
export function readSeed(kind: 'nocloud' | 'configdrive', dir: string, macs: Record<string, string> = {}): SeedAsRead {
  const pairs = Object.entries(macs).map(([mac, name]) => `${mac}=${name}`);
  const out = execFileSync(PYTHON, [join(here, 'read-seed.py'), kind, dir, ...pairs], { env: env(), encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out) as SeedAsRead;
}
