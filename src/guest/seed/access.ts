// Everything one build needs to get into its guest, made in one place: the build key, the guest
// host key, the user-data access that carries them, and the verifier for the SSH client.
import type { Redactor } from '../../redact.js';
import { generateBuildKey, generateHostKey, hostVerifier, type KeyPair } from './keys.js';
import { type BuildAccess, DEFAULT_BUILD_USER } from './user-data.js';

export interface BuildCredentials {
  buildKey: KeyPair;
  hostKey: KeyPair;
  /** What `mergeUserData` adds to the recipe's user-data. */
  access: BuildAccess;
  /** For ssh2's `hostVerifier`: accepts only the seeded host key. */
  verifyHost: (key: Buffer) => boolean;
}

/** Fresh keys for one build; both private keys are registered with `redactor` before this returns. */
export function createBuildCredentials(redactor: Redactor, buildId: string, user: string = DEFAULT_BUILD_USER): BuildCredentials {
  const buildKey = generateBuildKey(redactor, buildId);
  const hostKey = generateHostKey(redactor, buildId);
  return { buildKey, hostKey, access: { user, buildPublicKey: buildKey.publicKey, hostKey }, verifyHost: hostVerifier(hostKey.publicKey) };
}
