// A throwaway self-signed certificate made by the real openssl, for TLS tests.
import { execa } from 'execa';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';

export interface SelfSigned {
  key: string;
  cert: string;
  /** Colon-separated upper-case SHA-256, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint: string;
}

export async function selfSigned(cn = 'xcp-host.test'): Promise<SelfSigned> {
  const dir = await mkdtemp(join(tmpdir(), 'ingot-tls-'));
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${cn}`,
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  const cert = await readFile(join(dir, 'cert.pem'), 'utf8');
  return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert, fingerprint: new X509Certificate(cert).fingerprint256 };
}
