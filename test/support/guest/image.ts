// The Debian test guest image for real-guest tests: built once by scripts/guest-image.sh and cached
// under /var/tmp/ingot-guest/<content hash>/ (docs/lab-guests.md).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const BUILD_SCRIPT = fileURLToPath(new URL('../../../scripts/guest-image.sh', import.meta.url));

export interface GuestImageInfo {
  suite: string;
  user: string;
  kernel: string;
  rootUuid: string;
  virtualBytes: number;
  allocatedBytes: number;
  seconds: { debootstrap: number; configure: number; assemble: number; total: number };
}

export interface GuestImage {
  /** The sparse, BIOS-bootable raw disk. Treat it as read-only: copy it before booting. */
  raw: string;
  /** The image's default login user (cloud-init's default user on Debian). */
  user: string;
  info: GuestImageInfo;
}

/** Builds the image if this version of scripts/guest-image.sh has not built it yet (~2–4 min), else returns at once. */
export async function ensureGuestImage(opts: { timeoutMs?: number } = {}): Promise<GuestImage> {
  // Progress and timings go to our stderr, so a slow first build is visible in the test log.
  const result = await execa('bash', [BUILD_SCRIPT], { stdin: 'ignore', stderr: 'inherit', timeout: opts.timeoutMs ?? 15 * 60_000 });
  const dir = result.stdout.trim().split('\n').pop() ?? '';
  const info = JSON.parse(await readFile(join(dir, 'image.json'), 'utf8')) as GuestImageInfo;
  return { raw: join(dir, 'disk.raw'), user: info.user, info };
}
