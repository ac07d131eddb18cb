// ingot's XAPI facade against the lab host, through the real protocol: TLS pinning, login errors,
// HOST_IS_SLAVE, SR choice, VDI transfer, VM lifecycle, guest address, leftovers.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { XapiConfig } from '../../../src/config/index.js';
import { IngotError } from '../../../src/errors/index.js';
import { Redactor } from '../../../src/redact.js';
import { connectXapi, type XapiClient } from '../../../src/xapi/client.js';
import { hostVersions } from '../../../src/xapi/host.js';
import { findLeftovers, removeLeftovers } from '../../../src/xapi/leftovers.js';
import { guestMetricsRef, waitForGuestAddress } from '../../../src/xapi/metrics.js';
import { attachNic, chooseNetwork } from '../../../src/xapi/network.js';
import { chooseSr } from '../../../src/xapi/sr.js';
import { attachDisk, ejectCd, insertCd } from '../../../src/xapi/vbd.js';
import { createVdi, destroyVdi, exportVdi, importIntoVdi } from '../../../src/xapi/vdi.js';
import { configureVm, findTemplate, instantiate, powerState, startVm, stopVm } from '../../../src/xapi/vm.js';
import { PASSWORD, startTestLab, USER, type TestLab } from '../../support/lab/lab.js';

let lab: TestLab;
let xapi: XapiClient;
const redactor = new Redactor();
const GiB = 1024 ** 3;

function config(overrides: Partial<XapiConfig> = {}): XapiConfig {
  return { url: lab.url, username: USER, password: PASSWORD, tls: { kind: 'fingerprint', sha256: lab.fingerprint! }, bastion: undefined, ...overrides };
}

async function failure(p: Promise<unknown>): Promise<IngotError> {
  const e = await p.then(() => undefined, (error: unknown) => error);
  expect(e).toBeInstanceOf(IngotError);
  return e as IngotError;
}

beforeAll(async () => {
  lab = await startTestLab({ memberAddress: '127.0.0.2' });
  xapi = await connectXapi(config(), { redactor });
});
afterAll(async () => {
  await xapi?.disconnect();
  await lab?.stop();
});

describe('connecting', () => {
  it('connects with the pinned fingerprint and reads the host versions', async () => {
    const v = await hostVersions(xapi);
    expect(v.hostName).toBe('ingot-lab');
    expect(v.apiVersion).toMatch(/^2\.\d+$/);
  });

  it('registers the session id with the redactor', () => {
    const id = xapi.raw.sessionId!;
    expect(id).toMatch(/^OpaqueRef:/);
    expect(redactor.text(`GET /export_raw_vdi?session_id=x ${id}`)).not.toContain(id);
  });

  it('refuses a host whose certificate does not match the pin', async () => {
    const e = await failure(connectXapi(config({ tls: { kind: 'fingerprint', sha256: 'AB:'.repeat(31) + 'AB' } }), { redactor: new Redactor() }));
    expect(e.code).toBe('XAPI_TLS_UNTRUSTED');
    expect(e.message).toContain(lab.fingerprint!);
  });

  it('refuses the self-signed host when only the system CAs are trusted, and says how to pin', async () => {
    const e = await failure(connectXapi(config({ tls: { kind: 'system' } }), { redactor: new Redactor() }));
    expect(e.code).toBe('XAPI_TLS_UNTRUSTED');
    expect(e.hint).toContain('INGOT_XAPI_FINGERPRINT');
  });

  it('reports bad credentials as XAPI_AUTH_FAILED without echoing the password', async () => {
    const e = await failure(connectXapi(config({ password: 'wrong-password-123' }), { redactor: new Redactor() }));
    expect(e.code).toBe('XAPI_AUTH_FAILED');
    expect(e.message).toContain('SESSION_AUTHENTICATION_FAILED(root)');
    expect(`${e.message}${e.hint}`).not.toContain('wrong-password-123');
  });

  it('follows HOST_IS_SLAVE from a pool member to the coordinator', async () => {
    const viaMember = await connectXapi(config({ url: lab.memberUrl! }), { redactor: new Redactor() });
    try {
      expect((await hostVersions(viaMember)).hostName).toBe('ingot-lab');
    } finally {
      await viaMember.disconnect();
    }
  });
});

describe('storage and network choice', () => {
  it('takes the pool default SR, which is thin', async () => {
    const sr = await chooseSr(xapi, 'default', 10 * GiB);
    expect(sr.record.type).toBe('ext');
    expect(sr.reason).toContain('THIN_PROVISIONING');
  });

  it('refuses the thick LVM SR by name, naming it, its type, why, and the thin SRs to use instead', async () => {
    const e = await failure(chooseSr(xapi, 'Local LVM (thick)', GiB));
    expect(e.code).toBe('XAPI_SR_UNSUITABLE');
    expect(e.message).toMatch(/"Local LVM \(thick\)" \([0-9a-f-]{36}, type lvm\) is thick-provisioned/);
    expect(e.hint).toContain('"Local storage" (ext,');
  });

  it('refuses an ISO library and an SR too small for the disk', async () => {
    expect((await failure(chooseSr(xapi, 'ISO library', GiB))).message).toContain('ISO library');
    expect((await failure(chooseSr(xapi, 'Local storage', 10_000 * GiB))).message).toMatch(/GiB free of [\d.]+ GiB, the build disk needs up to/);
  });

  it('names the SRs there are when the recipe names one that is not', async () => {
    const e = await failure(chooseSr(xapi, 'Fast SSD', GiB));
    expect(e.message).toContain('no SR named or with uuid "Fast SSD"');
    expect(e.hint).toContain('"Local storage"');
  });

  it('finds the management network by default', async () => {
    const net = await chooseNetwork(xapi, undefined);
    expect(net.record.bridge).toBe('xenbr0');
  });
});

describe('disks and VMs', () => {
  it('imports a raw disk into a new VDI and exports the same bytes, raw and as a VHD', async () => {
    const sr = await chooseSr(xapi, 'default', GiB);
    const data = Buffer.concat([randomBytes(1024 * 1024), Buffer.alloc(3 * 1024 * 1024), randomBytes(4096)]);
    const vdi = await createVdi(xapi, { sr: sr.ref, virtualSize: data.length, nameLabel: 'ingot test disk', nameDescription: '', buildId: 'b-disk' });
    try {
      await importIntoVdi(xapi, vdi, 'raw', { length: data.length, stream: Readable.from([data]) }, () => {}, 'import');
      const raw = await exportVdi(xapi, vdi, 'raw');
      const chunks: Buffer[] = [];
      for await (const c of raw.stream) chunks.push(c as Buffer);
      await raw.done;
      const got = Buffer.concat(chunks);
      // A VHD-based SR rounds the virtual size up to whole 2 MiB blocks; the tail reads as zeros.
      expect(got.length).toBe(6 * 1024 * 1024);
      expect(Buffer.compare(got.subarray(0, data.length), data)).toBe(0);
      expect(got.subarray(data.length).every((b) => b === 0)).toBe(true);
      const vhd = await exportVdi(xapi, vdi, 'vhd');
      const head: Buffer[] = [];
      for await (const c of vhd.stream) head.push(c as Buffer);
      await vhd.done;
      expect(Buffer.concat(head).subarray(0, 8).toString('latin1')).toBe('conectix');
    } finally {
      await destroyVdi(xapi, vdi);
    }
  });

  it('builds a VM from a template, boots it, finds its address, stops it, and leaves nothing behind', async () => {
    const buildId = 'b-vm-cycle';
    const sr = await chooseSr(xapi, 'default', GiB);
    const template = await findTemplate(xapi, 'Debian Bookworm 12');
    expect(template.record.is_a_template).toBe(true);
    const disk = await createVdi(xapi, { sr: sr.ref, virtualSize: 64 * 1024 * 1024, nameLabel: 'root', nameDescription: '', buildId });
    const seed = await createVdi(xapi, { sr: sr.ref, virtualSize: 2048 * 16, nameLabel: 'seed', nameDescription: '', buildId });
    const vm = await instantiate(xapi, template.ref, 'ingot-test-vm', buildId);
    await configureVm(xapi, vm, { memoryBytes: GiB, vcpus: 2, firmware: 'bios', bootOrder: 'cd', platform: {}, description: 'test', tags: ['debian-12'] });
    const record = await xapi.call<{ is_a_template: boolean; HVM_boot_policy: string; HVM_boot_params: Record<string, string>; VCPUs_max: number; tags: string[] }>('VM.get_record', vm);
    expect(record).toMatchObject({ is_a_template: false, HVM_boot_policy: 'BIOS order', HVM_boot_params: { order: 'cd', firmware: 'bios' }, VCPUs_max: 2 });
    expect(record.tags).toEqual(expect.arrayContaining(['ingot', 'debian-12']));
    await attachDisk(xapi, vm, disk);
    const cd = await insertCd(xapi, vm, seed);
    expect(cd.created).toBe(false); // the template's empty drive was used
    await attachNic(xapi, vm, (await chooseNetwork(xapi, undefined)).ref, 1500);

    const stale = await guestMetricsRef(xapi, vm);
    await startVm(xapi, vm);
    expect(await powerState(xapi, vm)).toBe('Running');
    const address = await waitForGuestAddress(xapi, vm, { staleMetrics: stale, timeoutMs: 20_000, ipv4GraceMs: 10_000 });
    expect(address).toMatch(/^127\.77\.\d+\.\d+$/);
    expect(await stopVm(xapi, vm, 20_000)).toBe('clean');
    expect(await powerState(xapi, vm)).toBe('Halted');
    await ejectCd(xapi, cd.vbd);

    const left = await findLeftovers(xapi, buildId);
    expect(left.map((l) => `${l.kind}:${l.name}`).sort()).toEqual(['VDI:root', 'VDI:seed', 'VM:ingot-test-vm']);
    expect(await removeLeftovers(xapi, left, () => {})).toEqual([]);
    expect(await findLeftovers(xapi, buildId)).toEqual([]);
  });

  it('names the templates there are when the recipe names a missing one', async () => {
    const e = await failure(findTemplate(xapi, 'Debian Trixie 13'));
    expect(e.hint).toContain('"Debian Bookworm 12"');
  });
});
