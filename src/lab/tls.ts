// The lab's self-signed certificate: generated once with the openssl binary and kept in the state
// directory, so its SHA-256 fingerprint stays stable across restarts and clients can pin it.
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { IngotError } from '../errors/index.js';

export interface LabCertificate {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex (as openssl and Node print it). */
  fingerprint: string;
}

async function readPair(dir: string): Promise<LabCertificate | undefined> {
  try {
    const cert = await readFile(join(dir, 'cert.pem'), 'utf8');
    const key = await readFile(join(dir, 'key.pem'), 'utf8');
    return { cert, key, fingerprint: new X509Certificate(cert).fingerprint256 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Loads <state>/tls/{cert,key}.pem, generating them first if absent. */
export async function ensureCertificate(stateDir: string, addresses: string[]): Promise<LabCertificate> {
  const dir = join(stateDir, 'tls');
  const existing = await readPair(dir);
  if (existing !== undefined) return existing;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // 127.0.0.2 is the usual pool-member address (--pool-member); others need a fresh certificate.
  const san = ['DNS:localhost', ...new Set(['127.0.0.1', '127.0.0.2', '::1', ...addresses])].map((a) => (a.startsWith('DNS:') ? a : /^[\d.]+$|:/.test(a) ? `IP:${a}` : `DNS:${a}`));
  try {
    await execa('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '3650', '-subj', '/CN=ingot-lab', '-addext', `subjectAltName=${san.join(',')}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]);
  } catch (error) {
    throw new IngotError('LAB_TLS_FAILED', 'Could not generate the lab host\'s self-signed certificate with openssl.', {
      hint: 'Install openssl (Debian: apt-get install openssl), or run the lab with --http.',
      cause: error,
    });
  }
  await chmod(join(dir, 'key.pem'), 0o600);
  const pair = await readPair(dir);
  if (pair === undefined) throw new IngotError('LAB_TLS_FAILED', `openssl ran but left no certificate in ${dir}.`, { hint: 'Remove that directory and start the lab again.' });
  return pair;
}
