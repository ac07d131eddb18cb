// The guest's host key is known before the first connection (ingot generates it and hands it in
// through cloud-init, DESIGN.md stage 6), so SSH is verified, never trust-on-first-use.
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { IngotError } from '../../errors/index.js';

/** What the caller pins: an OpenSSH public key line (`ssh-ed25519 AAAA… comment`) or a `SHA256:` fingerprint. */
export type HostKeyPin = string;

/**
 * For a guest whose host key cannot be known in advance (a server that makes its own keys at first
 * boot, as a Rackspace server does: `ingot rehearse`, docs/decisions.md): the caller decides on the
 * presented key's fingerprint and returns the refusal, or undefined to accept it. A refusal should
 * carry `details.kind = 'hostkey'` so the readiness loop stops at once instead of retrying.
 */
export interface HostKeyPolicy {
  accept(presentedFingerprint: string): IngotError | undefined;
}

/** The check one connection applies to the presented key: undefined accepts, an error refuses. */
export function hostKeyVerifier(pin: HostKeyPin | HostKeyPolicy, what: string): (presentedFingerprint: string) => IngotError | undefined {
  if (typeof pin !== 'string') return (presented) => pin.accept(presented);
  const expected = parseHostKeyPin(pin, what);
  return (presented) => (presented === expected.fingerprint ? undefined : hostKeyMismatch(what, expected, presented));
}

export interface ExpectedHostKey {
  /** OpenSSH `SHA256:` form: base64 of the key blob's SHA-256, no padding (what `ssh-keygen -lf` prints). */
  fingerprint: string;
  /** The key type when a whole public key was pinned, for messages. */
  type: string | undefined;
}

/** The `SHA256:` fingerprint of a raw public key blob, as OpenSSH prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Reads a pin; a value that is neither a public key nor a fingerprint is refused, never ignored. */
export function parseHostKeyPin(pin: HostKeyPin, what: string): ExpectedHostKey {
  const text = pin.trim();
  if (/^SHA256:[A-Za-z0-9+/]{43}$/.test(text)) return { fingerprint: text, type: undefined };
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error || Array.isArray(parsed) || parsed.isPrivateKey()) {
    throw new IngotError('GUEST_HOSTKEY_MISMATCH', `The expected host key of ${what} is not usable: expected an OpenSSH public key line ("ssh-ed25519 AAAA…") or a "SHA256:…" fingerprint (43 base64 characters).`, {
      hint: 'Pass the public half of the guest host key ingot generated (or the fingerprint `ssh-keygen -lf KEY.pub` prints); never a private key.',
      details: { target: what },
    });
  }
  return { fingerprint: fingerprintOf(parsed.getPublicSSH()), type: parsed.type };
}

/** The error for a server that presented another key than the pinned one. */
export function hostKeyMismatch(target: string, expected: ExpectedHostKey, presented: string): IngotError {
  return new IngotError(
    'GUEST_HOSTKEY_MISMATCH',
    `The SSH server at ${target} presented host key ${presented}, but ${expected.fingerprint} was expected. ` +
      'Something other than the guest ingot seeded is answering at that address (a wrong IP, a reused address, ' +
      'a stale port forward, or an interception), or cloud-init did not install the seeded host key.',
    {
      hint: 'ingot does not connect to unverified hosts. Check the address the guest reported and that cloud-init read the seed (its log is on the serial console); do not just accept the new key.',
      details: { target, kind: 'hostkey', expectedFingerprint: expected.fingerprint, presentedFingerprint: presented },
    },
  );
}
