// `ingot doctor` through the real CLI against the lab host and the Rackspace Identity emulator:
// everything in place exits 0; each piece removed on purpose (qemu-img, the pinned fingerprint,
// the password, a thin SR, the Rackspace password, the region's endpoints) is reported with its
// fix and exits 1; --json carries every check; no secret appears anywhere.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestLab, USER, type TestLab } from '../../support/lab/lab.js';
import { listen, type Listening } from '../../support/rackspace/http-util.js';
import { identityHandler, type IdentityState } from '../../support/rackspace/identity-emulator.js';
import { REGION, TENANT, TEST_API_KEY, TEST_PASSWORD, TEST_USER } from '../../support/rackspace/emulator.js';
import { runCli, type CliResult } from '../../support/run-cli.js';

interface Check {
  id: string;
  status: 'ok' | 'warn' | 'fail';
  found: string;
  fix: string | null;
}

let lab: TestLab;
let thickLab: TestLab;
let identity: Listening;
const state: IdentityState = { issued: [], faults: [], log: [] };
let dir: string;
let base: Record<string, string>;

beforeAll(async () => {
  [lab, thickLab] = await Promise.all([startTestLab(), startTestLab({ localSr: 'lvm' })]);
  identity = await listen(identityHandler({
    username: TEST_USER, apiKey: TEST_API_KEY, password: TEST_PASSWORD, tenantId: TENANT, region: REGION,
    // doctor stops at the catalog: these services are named, never called.
    swiftToken: async () => `tk_${randomBytes(16).toString('hex')}`,
    storageUrl: () => `http://127.0.0.1:9/v1/MossoCloudFS_${TENANT}`, imagesUrl: () => 'http://127.0.0.1:9/images/v2', computeUrl: () => 'http://127.0.0.1:9/compute',
    tokenLifeMs: 3600_000, offsetExpires: false,
  }, state));
  dir = await mkdtemp(join(tmpdir(), 'ingot-doctor-'));
  await writeFile(join(dir, 'password'), `${PASSWORD}\n`);
  base = {
    HOME: dir, XDG_STATE_HOME: join(dir, 'state'),
    INGOT_XAPI_URL: lab.url, INGOT_XAPI_USERNAME: USER, INGOT_XAPI_PASSWORD_FILE: join(dir, 'password'), INGOT_XAPI_FINGERPRINT: lab.fingerprint!,
    RAX_USERNAME: TEST_USER, RAX_API_KEY: TEST_API_KEY, RAX_IDENTITY_URL: `${identity.url}/v2.0`, RAX_REGION: REGION,
  };
});
afterAll(async () => {
  await Promise.all([lab?.stop(), thickLab?.stop(), identity?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function doctor(env: Record<string, string> = {}): Promise<{ r: CliResult; checks: Map<string, Check> }> {
  const r = await runCli(['doctor', '--json'], { env: { ...base, ...env } });
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; data?: { checks: Check[] } });
  const result = lines.find((l) => l.event === 'result');
  expect(result, `${r.stdout}\n${r.stderr}`).toBeDefined();
  const all = `${r.stdout}\n${r.stderr}`;
  for (const secret of [PASSWORD, TEST_API_KEY, TEST_PASSWORD, ...state.issued]) expect(all).not.toContain(secret);
  return { r, checks: new Map(result!.data!.checks.map((c) => [c.id, c])) };
}

const failed = (checks: Map<string, Check>) => [...checks.values()].filter((c) => c.status === 'fail').map((c) => c.id);

describe('ingot doctor', { timeout: 60_000 }, () => {
  it('exits 0 when the host and Rackspace are in order, and shows each finding in plain text', async () => {
    const r = await runCli(['doctor'], { env: base });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok +xapi\.tls +the certificate matches the pinned SHA-256 fingerprint /m);
    expect(r.stdout).toMatch(/^ok +xapi\.sr +thin SRs: "Local storage" \(ext, [\d.]+ GiB free\); the pool default is "Local storage"/m);
    expect(r.stdout).toMatch(/^ok +rackspace\.cloud-images +Cloud Images in DFW: http:\/\/127\.0\.0\.1:9\/images\/v2$/m);
    expect(r.stdout).toMatch(/^doctor: \d+ ok, \d+ warning\(s\), 0 failed$/m);
    for (const secret of [PASSWORD, TEST_API_KEY, ...state.issued]) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('--json: one result line whose checks each carry id, status, found and fix', async () => {
    const { r, checks } = await doctor();
    expect(r.status).toBe(0);
    const ids = ['node', 'qemu-img', 'config', 'xapi.config', 'xapi.reachable', 'xapi.tls', 'xapi.login', 'xapi.version', 'xapi.sr', 'xapi.network',
      'rackspace.config', 'rackspace.auth', 'rackspace.region', 'rackspace.cloud-files', 'rackspace.cloud-images', 'lab.qemu', 'lab.kvm', 'lab.port22', 'lab.openssl', 'lab.ovmf'];
    expect([...checks.keys()]).toEqual(ids);
    for (const c of checks.values()) {
      expect(Object.keys(c).sort()).toEqual(['fix', 'found', 'id', 'status']);
      expect(['ok', 'warn', 'fail']).toContain(c.status);
      expect(c.fix === null).toBe(c.status === 'ok');
    }
    for (const id of ids.filter((i) => i.startsWith('xapi.') || i.startsWith('rackspace.'))) expect(checks.get(id)?.status, id).toBe('ok');
    expect(checks.get('xapi.version')?.found).toMatch(/XCP-ng 8\.3\.0, xapi [\d.]+, API 2\.21, coordinator ingot-lab/);
    expect(checks.get('xapi.network')?.found).toMatch(/management network ".+" \(bridge xenbr0\)/);
    expect(checks.get('rackspace.auth')?.found).toContain(`tenant ${TENANT}`);
  });

  it('reports qemu-img missing from PATH as a failure with the package to install', async () => {
    const empty = await mkdtemp(join(dir, 'path-'));
    const { r, checks } = await doctor({ PATH: empty });
    expect(r.status).toBe(1);
    expect(failed(checks)).toEqual(['qemu-img']);
    expect(checks.get('qemu-img')?.found).toMatch(/qemu-img is not on PATH/);
    expect(checks.get('qemu-img')?.fix).toContain('apt-get install qemu-utils');
    // The lab's tools are only warnings: a build does not need them.
    expect(checks.get('lab.qemu')?.status).toBe('warn');
  });

  it('reports a wrong pinned fingerprint with the one the host presents and how to pin it', async () => {
    const wrong = 'AB:'.repeat(31) + 'AB';
    const { r, checks } = await doctor({ INGOT_XAPI_FINGERPRINT: wrong });
    expect(r.status).toBe(1);
    expect(checks.get('xapi.reachable')?.status).toBe('ok');
    expect(failed(checks)).toEqual(['xapi.tls']);
    const tls = checks.get('xapi.tls')!;
    expect(tls.found).toContain(`has SHA-256 fingerprint ${lab.fingerprint}, but ${wrong} is pinned`);
    expect(tls.fix).toContain(`INGOT_XAPI_FINGERPRINT=${lab.fingerprint}`);
    expect(checks.has('xapi.login')).toBe(false);
  });

  it('reports a self-signed certificate trusted by nothing, with its fingerprint to pin', async () => {
    const { r, checks } = await doctor({ INGOT_XAPI_FINGERPRINT: '' });
    expect(r.status).toBe(1);
    expect(checks.get('xapi.tls')).toMatchObject({ status: 'fail', found: expect.stringMatching(/is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/) });
    expect(checks.get('xapi.tls')?.fix).toContain(`INGOT_XAPI_FINGERPRINT=${lab.fingerprint}`);
  });

  it('trusts the host through a CA file as well as through a pin', async () => {
    await writeFile(join(dir, 'lab-ca.pem'), lab.certificate!.cert);
    const { r, checks } = await doctor({ INGOT_XAPI_FINGERPRINT: '', INGOT_XAPI_CA_FILE: join(dir, 'lab-ca.pem') });
    expect(r.status).toBe(0);
    expect(checks.get('xapi.tls')).toMatchObject({ status: 'ok', found: `the certificate is verified by CA file ${join(dir, 'lab-ca.pem')}` });
  });

  it('reports an unreadable CA file as a TLS failure, before any connection', async () => {
    const { r, checks } = await doctor({ INGOT_XAPI_FINGERPRINT: '', INGOT_XAPI_CA_FILE: join(dir, 'no-such-ca.pem') });
    expect(r.status).toBe(1);
    expect(failed(checks)).toEqual(['xapi.tls']);
    expect(checks.get('xapi.tls')?.found).toContain(`cannot read the CA file ${join(dir, 'no-such-ca.pem')}`);
    expect(checks.has('xapi.reachable')).toBe(false);
  });

  it('reports a wrong password as a failed login, without printing it', async () => {
    const wrongPassword = 'not-the-lab-password-4711';
    await writeFile(join(dir, 'wrong'), wrongPassword);
    const { r, checks } = await doctor({ INGOT_XAPI_PASSWORD_FILE: join(dir, 'wrong') });
    expect(r.status).toBe(1);
    expect(failed(checks)).toEqual(['xapi.login']);
    expect(checks.get('xapi.tls')?.status).toBe('ok');
    expect(checks.get('xapi.login')?.found).toContain('SESSION_AUTHENTICATION_FAILED');
    expect(checks.get('xapi.login')?.fix).toContain('INGOT_XAPI_PASSWORD');
    expect(r.stdout + r.stderr).not.toContain(wrongPassword);
  });

  it('reports a host whose SRs are all thick, naming each and why', async () => {
    const { r, checks } = await doctor({ INGOT_XAPI_URL: thickLab.url, INGOT_XAPI_FINGERPRINT: thickLab.fingerprint! });
    expect(r.status).toBe(1);
    expect(failed(checks)).toEqual(['xapi.sr']);
    expect(checks.get('xapi.sr')?.found).toBe('no thin-provisioned SR: "Local storage": type lvm allocates every disk in full (sm_config.allocation=thick)');
    expect(checks.get('xapi.sr')?.fix).toMatch(/Add a thin SR on the host/);
    expect(checks.get('xapi.network')?.status).toBe('ok');
  });

  it('warns when thin SRs exist but the pool default SR is thick, naming a thin one for vm.sr', async () => {
    const [poolRef, pool] = lab.lab.db.all('pool')[0]!;
    const thick = lab.lab.db.all('SR').find(([, sr]) => sr.type === 'lvm')!;
    lab.lab.db.update('pool', poolRef, { default_SR: thick[0] });
    try {
      const { r, checks } = await doctor();
      expect(r.status).toBe(0);
      expect(checks.get('xapi.sr')).toMatchObject({ status: 'warn', found: expect.stringContaining('the pool default SR "Local LVM (thick)" is not thin') });
      expect(checks.get('xapi.sr')?.fix).toContain('vm.sr: "Local storage"');
    } finally {
      lab.lab.db.update('pool', poolRef, { default_SR: pool.default_SR });
    }
  });

  it('reports a bad Rackspace password as refused by Identity, without printing it', async () => {
    const { r, checks } = await doctor({ RAX_API_KEY: '', RAX_PASSWORD: 'wrong-rackspace-password' });
    expect(r.status).toBe(1);
    expect(failed(checks)).toEqual(['rackspace.auth']);
    expect(checks.get('rackspace.auth')?.found).toMatch(/refused user ingot-tester \(401\)/);
    expect(checks.get('rackspace.auth')?.fix).toContain('RAX_PASSWORD');
    expect(r.stdout).not.toContain('wrong-rackspace-password');
    expect(checks.has('rackspace.cloud-files')).toBe(false);
  });

  it('reports a region without Cloud Files or Cloud Images, with the regions that have them', async () => {
    const { r, checks } = await doctor({ RAX_REGION: 'SYD' });
    expect(r.status).toBe(1);
    expect(failed(checks)).toEqual(['rackspace.cloud-files', 'rackspace.cloud-images']);
    expect(checks.get('rackspace.region')?.found).toMatch(/^SYD \(RAX_REGION\); regions with Cloud Files or Cloud Images on this account: DFW, ORD$/);
    expect(checks.get('rackspace.cloud-files')?.fix).toMatch(/Pick one of ORD, DFW/);
  });

  it('checks the lab host started with `ingot lab up` when nothing else is configured', { timeout: 120_000 }, async () => {
    const state = { XDG_STATE_HOME: join(dir, 'lab-up-state') };
    const up = await runCli(['lab', 'up', '--port', '0', '--accel', 'tcg'], { env: { ...base, ...state } });
    expect(up.status, up.stderr).toBe(0);
    try {
      const { r, checks } = await doctor({ ...state, INGOT_XAPI_URL: '', INGOT_XAPI_PASSWORD_FILE: '', INGOT_XAPI_FINGERPRINT: '' });
      expect(r.status, r.stdout).toBe(0);
      expect(checks.get('xapi.config')?.found).toMatch(/^https:\/\/127\.0\.0\.1:\d+ as root, password set \(lab\), trust: pinned fingerprint \(lab\)$/);
      for (const id of ['xapi.tls', 'xapi.login', 'xapi.sr', 'xapi.network']) expect(checks.get(id)?.status, id).toBe('ok');
    } finally {
      await runCli(['lab', 'down'], { env: { ...base, ...state } });
    }
  });

  it('warns, and exits 0, when neither a host nor Rackspace is configured', async () => {
    const { r, checks } = await doctor({ INGOT_XAPI_URL: '', INGOT_XAPI_PASSWORD_FILE: '', INGOT_XAPI_FINGERPRINT: '', RAX_USERNAME: '', RAX_API_KEY: '' });
    expect(r.status).toBe(0);
    expect(checks.get('xapi.config')).toMatchObject({ status: 'warn', fix: expect.stringContaining('ingot lab up') });
    expect(checks.get('rackspace.config')?.status).toBe('warn');
    expect(checks.has('xapi.login')).toBe(false);
  });
});
