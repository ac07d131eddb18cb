// How ingot trusts a XAPI host's certificate: the system CAs, a CA file, or a pinned SHA-256
// fingerprint. There is deliberately no "accept anything" setting.
import { IngotError } from '../errors/index.js';
import type { TlsTrust } from './types.js';

/** Normalises `ab:cd:…`, `ABCD…` or `sha256:…` to the colon-separated upper-case form openssl prints. */
export function normaliseFingerprint(input: string): string {
  const hex = input.trim().replace(/^sha256[:=]/i, '').replace(/[:\s]/g, '');
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new IngotError('CONFIG_INVALID', `'${input}' is not a SHA-256 certificate fingerprint`, {
      hint: 'Expected 64 hex digits, with or without colons, as `ingot lab` or `openssl x509 -noout -fingerprint -sha256` prints it.',
    });
  }
  return hex.toUpperCase().match(/../g)!.join(':');
}

export function chooseTrust(caFile: string | undefined, fingerprint: string | undefined): TlsTrust {
  if (caFile !== undefined && fingerprint !== undefined) {
    throw new IngotError('CONFIG_INVALID', 'both a CA file and a certificate fingerprint are configured for the XAPI host', {
      hint: 'Choose one: the fingerprint pins exactly one certificate; the CA file trusts what that CA signs.',
    });
  }
  if (fingerprint !== undefined) return { kind: 'fingerprint', sha256: normaliseFingerprint(fingerprint) };
  if (caFile !== undefined) return { kind: 'ca', caFile };
  return { kind: 'system' };
}
