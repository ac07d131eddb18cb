// Checks shared by both seeds: the names cloud-init turns into the guest's hostname and instance.
import { IngotError } from '../../errors/index.js';

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, ≤ 253 characters. */
export function checkHostname(hostname: string): void {
  const label = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
  if (hostname.length === 0 || hostname.length > 253 || !hostname.split('.').every((l) => label.test(l))) {
    throw new IngotError('SEED_INVALID', `Seed: "${hostname}" is not a valid host name.`, {
      hint: 'Use letters, digits and hyphens (no leading or trailing hyphen), labels of at most 63 characters, e.g. "debian-12-build".',
    });
  }
}

/** An instance id cloud-init stores as a path component (/var/lib/cloud/instances/<id>). */
export function checkInstanceId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) {
    throw new IngotError('SEED_INVALID', `Seed: instance id "${id}" must be 1–128 letters, digits, ".", "_" or "-".`, {
      hint: 'Use the VM uuid or the build id; a new id makes cloud-init run its per-instance modules again.',
    });
  }
}
