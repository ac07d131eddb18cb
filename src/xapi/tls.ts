// TLS trust for the XAPI connection: the system CAs, a CA file, or a pinned SHA-256 certificate
// fingerprint. xen-api itself only knows "verify against the system CAs" or "accept anything"
// (allowUnauthorized, xapi.md §1.8); ingot never does the latter (docs/decisions.md).
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import { normaliseFingerprint, type TlsTrust } from '../config/index.js';
import { IngotError } from '../errors/index.js';

export interface TrustOptions {
  ca?: string | Buffer;
  checkServerIdentity?: ConnectionOptions['checkServerIdentity'];
}

/**
 * Turns the configured trust into TLS options every XAPI connection uses (RPC and HTTP handlers).
 * A pinned fingerprint is checked once against the host's certificate; that exact certificate then
 * becomes the only trust anchor, so every later handshake still proves the host holds its key.
 */
export async function trustOptions(url: URL, trust: TlsTrust, signal?: AbortSignal): Promise<TrustOptions> {
  if (url.protocol !== 'https:') return {};
  switch (trust.kind) {
    case 'system':
      return {};
    case 'ca':
      try {
        return { ca: await readFile(trust.caFile) };
      } catch (error) {
        throw new IngotError('CONFIG_INVALID', `cannot read the CA file ${trust.caFile}`, {
          hint: 'Check INGOT_XAPI_CA_FILE (a PEM file), or pin the host certificate with INGOT_XAPI_FINGERPRINT instead.',
          cause: error,
        });
      }
    case 'fingerprint': {
      const cert = await peerCertificate(url, signal);
      const seen = normaliseFingerprint(cert.fingerprint256);
      if (seen !== trust.sha256) {
        throw new IngotError('XAPI_TLS_UNTRUSTED', `the certificate of ${url.host} has SHA-256 fingerprint ${seen}, but ${trust.sha256} is pinned`, {
          hint:
            'If the host certificate was replaced on purpose, pin the new fingerprint (INGOT_XAPI_FINGERPRINT); otherwise ' +
            'something between you and the host is presenting its own certificate: do not connect.',
          details: { host: url.host, seen, pinned: trust.sha256 },
        });
      }
      const pem = toPem(cert.raw);
      const x509 = new X509Certificate(cert.raw);
      if (!x509.checkIssued(x509)) {
        throw new IngotError('XAPI_TLS_UNTRUSTED', `the pinned certificate of ${url.host} is issued by a CA (${x509.issuer.replace(/\n/g, ', ')}), not self-signed`, {
          hint: 'Trust that CA with INGOT_XAPI_CA_FILE instead of pinning the host certificate.',
        });
      }
      // The pin names the host; the certificate's own names need not match the URL (XCP-ng's
      // generated certificate carries the host name, users often connect by address).
      return { ca: pem, checkServerIdentity: () => undefined };
    }
  }
}

/** The SHA-256 fingerprint of the certificate the host presents, read without trusting it (for `ingot doctor`'s advice). */
export async function peerFingerprint(url: URL, signal?: AbortSignal): Promise<string> {
  return normaliseFingerprint((await peerCertificate(url, signal)).fingerprint256);
}

function peerCertificate(url: URL, signal?: AbortSignal): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = connect({
      host,
      port: Number(url.port || 443),
      ...(isIp(host) ? {} : { servername: host }),
      // Only to read the certificate and compare it with the pin; no request is sent on this socket.
      rejectUnauthorized: false,
      timeout: 15_000,
      ...(signal ? { signal } : {}),
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      if (!cert?.raw) reject(new IngotError('XAPI_TLS_UNTRUSTED', `${url.host} presented no certificate`, { hint: 'Check that the URL points at a XAPI host.' }));
      else resolve(cert);
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(unreachable(url, new Error('TLS handshake timed out after 15 s')));
    });
    socket.once('error', (error) => reject(unreachable(url, error)));
  });
}

export function unreachable(url: URL, cause: unknown): IngotError {
  return new IngotError('XAPI_UNREACHABLE', `cannot reach the XAPI host at ${url.origin}: ${(cause as Error).message ?? cause}`, {
    hint: 'Check INGOT_XAPI_URL (scheme, host, port), that the host is up, and that nothing blocks the connection.',
    cause,
  });
}

function toPem(der: Buffer): string {
  const body = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
