// The shared start of the real-guest e2e files: the cached Debian test image, a lab host whose VMs
// are QEMU guests, a scratch directory holding the lab's password, the environment that points
// the ingot CLI at that lab, and the recipe preamble that builds from the image.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQemuHypervisor } from '../../../src/lab/qemu/index.js';
import { PASSWORD, startTestLab, USER, type TestLab } from '../lab/lab.js';
import { ensureGuestImage, type GuestImage } from './image.js';

export interface GuestE2e {
  image: GuestImage;
  lab: TestLab;
  /** A fresh directory (HOME for the CLI) with the lab's password in `password`. */
  dir: string;
  /** The CLI's environment: HOME, and the lab's URL, user, password file and fingerprint. */
  env: Record<string, string>;
}

export async function startGuestE2e(prefix: string): Promise<GuestE2e> {
  const image = await ensureGuestImage();
  const lab = await startTestLab({ hypervisor: await createQemuHypervisor({ accel: 'auto' }) });
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeFile(join(dir, 'password'), PASSWORD);
  const env = { HOME: dir, INGOT_XAPI_URL: lab.url, INGOT_XAPI_USERNAME: USER, INGOT_XAPI_PASSWORD_FILE: join(dir, 'password'), INGOT_XAPI_FINGERPRINT: lab.fingerprint! };
  return { image, lab, dir, env };
}

/**
 * A recipe that builds `name` from the test image on the lab's Debian template (1 GiB of memory,
 * a 3 GiB disk), followed by `rest` (YAML lines: cloud_init, provision, readiness, output …).
 */
export function guestRecipe(name: string, image: GuestImage, rest: string[]): string {
  return [`name: ${name}`, 'source:', '  image:', `    path: ${image.raw}`, 'vm:', '  template: Debian Bookworm 12', '  memory: 1GiB', '  disk: 3GiB', ...rest, ''].join('\n');
}
