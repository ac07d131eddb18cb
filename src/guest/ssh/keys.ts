// The build key: checked before any connection, and registered with the Redactor the moment we
// hold it (STYLE.md §5), whole and line by line, because guest output is reported one line at a
// time and a single base64 line of a key would slip past a whole-key match.
import ssh2 from 'ssh2';
import { IngotError } from '../../errors/index.js';
import type { Redactor } from '../../redact.js';

export function registerPrivateKey(redactor: Redactor | undefined, key: string | undefined): void {
  if (redactor === undefined || key === undefined) return;
  redactor.add(key);
  redactor.add(key.trim());
  for (const line of key.split(/\r?\n/)) {
    const text = line.trim();
    if (text.length >= 16 && !text.startsWith('-----')) redactor.add(text);
  }
}

/** Refuses a key ssh2 cannot use, without ever quoting the key. */
export function checkPrivateKey(key: string, what: string): void {
  const parsed = ssh2.utils.parseKey(key);
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (parsed instanceof Error || first === undefined || first instanceof Error || !first.isPrivateKey()) {
    const reason = parsed instanceof Error ? parsed.message : 'not a private key';
    throw new IngotError('GUEST_AUTH_FAILED', `The private key for ${what} cannot be used: ${reason}.`, {
      hint: 'Pass an unencrypted OpenSSH or PEM private key (ingot generates an ed25519 build key per build).',
      details: { target: what },
    });
  }
}
