// Starts an in-process lab host for a test on 127.0.0.1:0 in a temporary state directory, and
// connects the unmodified xen-api client to it with the lab's certificate as the trusted CA.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { type LabOptions, type RunningLab, startLab } from '../../../src/lab/index.js';
import { FakeHypervisor } from './fake-hypervisor.js';

export const USER = 'root';
export const PASSWORD = 'lab-password-for-tests';

export interface TestLab extends RunningLab {
  hypervisor: FakeHypervisor;
  dir: string;
  stop(): Promise<void>;
}

export async function startTestLab(options: Partial<LabOptions> = {}): Promise<TestLab> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'ingot-lab-')));
  const hypervisor = new FakeHypervisor();
  const running = await startLab({ dir, user: { name: USER, password: PASSWORD }, authFailureDelayMs: 0, hypervisor, ...options });
  return {
    ...running,
    hypervisor,
    dir,
    async stop() {
      await running.close();
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * xen-api can only switch certificate checks on or off (allowUnauthorized); it cannot pin. So the
 * tests keep verification on and add the lab's self-signed certificate to Node's default CAs —
 * a client trusting exactly the certificate whose fingerprint the lab printed.
 */
export function trustLabCertificate(certPem: string): void {
  setDefaultCACertificates([...getCACertificates('default'), certPem]);
}

/** Raw RPC over fetch-less https/http with the lab's certificate pinned by CA. */
export async function post(lab: RunningLab, path: string, body: string, contentType = 'text/xml'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(path, lab.url);
  const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: 'POST', headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }, ca: lab.certificate?.cert }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface Fault {
  code: string;
  params: string[];
}

/** One JSON-RPC v2 call; resolves with the result or rejects with {code, params}. */
export async function call<T = unknown>(lab: RunningLab, method: string, ...params: unknown[]): Promise<T> {
  const res = await post(lab, '/jsonrpc', JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), 'application/json');
  const body = JSON.parse(res.body) as { result?: T; error?: { message: string; data: string[] } };
  if (body.error !== undefined) throw Object.assign(new Error(body.error.message), { code: body.error.message, params: body.error.data });
  return body.result as T;
}

/** The {code, params} a call fails with (fails the test if it succeeds). */
export async function fault(lab: RunningLab, method: string, ...params: unknown[]): Promise<Fault> {
  try {
    await call(lab, method, ...params);
  } catch (error) {
    const { code, params: p } = error as Fault;
    return { code, params: p };
  }
  throw new Error(`${method} succeeded; a failure was expected`);
}

export async function login(lab: RunningLab): Promise<string> {
  return call<string>(lab, 'session.login_with_password', USER, PASSWORD);
}

/** The ref of the first record of `cls` whose name_label is `name`. */
export function refByName(lab: RunningLab, cls: string, name: string): string {
  const found = lab.lab.db.all(cls).find(([, r]) => r.name_label === name);
  if (found === undefined) throw new Error(`no ${cls} named ${name}`);
  return found[0];
}
