// Build access keys: an ephemeral ed25519 key pair ingot logs in with, and the guest's own SSH
// host key, generated here and handed in through cloud-init (`ssh_keys`), so the SSH client
// checks the host key it expects instead of trusting whatever answers first (issue 5 item 4).
import { createHash, timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import { IngotError } from '../../errors/index.js';
import type { Redactor } from '../../redact.js';

export interface KeyPair {
  /** OpenSSH private key ("-----BEGIN OPENSSH PRIVATE KEY-----"), what sshd and ssh2 read. */
  privateKey: string;
  /** One authorized_keys line: "ssh-ed25519 AAAA… comment". */
  publicKey: string;
}

/**
 * A fresh ed25519 key pair; the private half is registered with the Redactor before it is
 * returned, so it can never reach a log, an error or `--json` output (STYLE.md §5).
 */
export function generateEd25519(redactor: Redactor, comment: string): KeyPair {
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
  redactor.add(pair.private);
  // Line by line too: guest output and logs are reported a line at a time, and one base64 line of
  // the key would slip past a whole-key match.
  for (const line of pair.private.split(/\r?\n/)) if (line.trim().length >= 16 && !line.startsWith('-----')) redactor.add(line.trim());
  return { privateKey: pair.private, publicKey: pair.public.trim() };
}

/** The key ingot's build user logs in with; lives as long as the build. */
export function generateBuildKey(redactor: Redactor, buildId: string): KeyPair {
  return generateEd25519(redactor, `ingot-build@${buildId}`);
}

/** The guest's SSH host key; cloud-init installs it as /etc/ssh/ssh_host_ed25519_key. */
export function generateHostKey(redactor: Redactor, buildId: string): KeyPair {
  return generateEd25519(redactor, `ingot-host@${buildId}`);
}

/** The SSH wire form of a public key (RFC 4253 §6.6): what ssh2 hands to `hostVerifier`. */
export function publicKeyBlob(publicKey: string): Buffer {
  const [type, body] = publicKey.trim().split(/\s+/);
  const blob = Buffer.from(body ?? '', 'base64');
  // The blob starts with its own type name as an SSH string; a mismatch means a mangled line.
  const nameLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (type === undefined || nameLength < 0 || blob.subarray(4, 4 + nameLength).toString('latin1') !== type) {
    throw new IngotError('SEED_INVALID', `"${publicKey.slice(0, 40)}…" is not an OpenSSH public key line.`, {
      hint: 'Expected "ssh-ed25519 AAAA… comment", as in an authorized_keys file.',
    });
  }
  return blob;
}

/** "SHA256:…" as `ssh-keygen -lf` prints it, for messages that name the expected host key. */
export function fingerprint(publicKey: string): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob(publicKey)).digest('base64').replace(/=+$/, '')}`;
}

/**
 * An ssh2 `hostVerifier` that accepts exactly the given host key and nothing else
 * (never trust-on-first-use). Use it without `hostHash`, so ssh2 passes the raw key blob.
 */
export function hostVerifier(expectedPublicKey: string): (key: Buffer) => boolean {
  const expected = publicKeyBlob(expectedPublicKey);
  return (key: Buffer) => key.length === expected.length && timingSafeEqual(key, expected);
}
