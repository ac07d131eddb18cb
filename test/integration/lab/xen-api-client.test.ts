// The unmodified xen-api client against the lab over verified HTTPS: login, object watching,
// callAsync, and a whole import → VM from template → start → guest metrics → shutdown → export
// cycle (the fake hypervisor stands in for QEMU here; the real-guest test is test/e2e's).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient } from 'xen-api';
import { checkVhd, vhdStreamFromFile } from '../../../src/vhd/index.js';
import { PASSWORD, USER, startTestLab, trustLabCertificate, type TestLab } from '../../support/lab/lab.js';

type Rec = Record<string, unknown>;
// xen-api ships no types; the client is used exactly as its README documents.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Xapi = any;

const MiB = 1024 * 1024;
let lab: TestLab;
let xapi: Xapi;
let work: string;
/** 8 MiB disk: 1 MiB of random bytes at 1 MiB, the rest zeros (so sparseness shows). */
let disk: Buffer;

function sized(buf: Buffer): Readable & { length: number } {
  return Object.assign(Readable.from([buf]), { length: buf.length });
}

async function until<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  lab = await startTestLab({ memberAddress: '127.0.0.2' });
  trustLabCertificate(lab.certificate?.cert as string);
  xapi = createClient({ url: lab.url, auth: { user: USER, password: PASSWORD } });
  await xapi.connect();
  await xapi.objectsFetched;
  work = await mkdtemp(join(tmpdir(), 'ingot-lab-flow-'));
  disk = Buffer.alloc(8 * MiB);
  randomBytes(MiB).copy(disk, MiB);
});
afterAll(async () => {
  await xapi?.disconnect();
  await lab?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('connection', () => {
  test('the client verifies the lab certificate, whose fingerprint is the one the lab reports', async () => {
    const { connect } = await import('node:tls');
    const seen = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: lab.port, ca: lab.certificate?.cert, servername: 'localhost' }, () => {
        resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(seen).toBe(lab.fingerprint);
    expect(xapi.pool.$ref).toBe(lab.lab.poolRef);
  });

  test('bad credentials reject with SESSION_AUTHENTICATION_FAILED and its two parameters', async () => {
    const bad = createClient({ url: lab.url, auth: { user: USER, password: 'not it' }, watchEvents: false });
    await expect(bad.connect()).rejects.toMatchObject({ code: 'SESSION_AUTHENTICATION_FAILED', params: [USER, 'Authentication failure'] });
  });

  test('a login on the pool member is redirected by HOST_IS_SLAVE to the coordinator', async () => {
    const { post } = await import('../../support/lab/lab.js');
    const raw = await post({ ...lab, url: lab.memberUrl as string }, '/jsonrpc', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.login_with_password', params: [USER, PASSWORD] }), 'application/json');
    expect(JSON.parse(raw.body)).toEqual({ jsonrpc: '2.0', error: { code: 1, message: 'HOST_IS_SLAVE', data: ['127.0.0.1'] }, id: 1 });
    const viaMember: Xapi = createClient({ url: lab.memberUrl as string, auth: { user: USER, password: PASSWORD }, watchEvents: false });
    await viaMember.connect();
    expect(viaMember.pool.$ref).toBe(lab.lab.poolRef);
    await viaMember.disconnect();
  });
});

describe('the XML-RPC transport', () => {
  test('xen-api forced to XML-RPC logs in, watches objects and runs callAsync; ints arrive as strings', async () => {
    const viaXml: Xapi = createClient({ url: lab.url, auth: { user: USER, password: PASSWORD }, transport: 'xml-rpc' });
    try {
      await viaXml.connect();
      await viaXml.objectsFetched;
      const template = (await viaXml.call('VM.get_by_name_label', 'Other install media'))[0];
      const vm = await viaXml.callAsync('VM.clone', template, 'over xml');
      await until('the clone in the cache', () => viaXml.getObjectByRef(vm, undefined));
      expect(viaXml.getObjectByRef(vm).name_label).toBe('over xml');
      expect(await viaXml.call('VM.get_memory_static_max', vm)).toBe('2147483648');
    } finally {
      await viaXml.disconnect();
    }
  });
});

describe('a build cycle through xen-api', () => {
  let vdi: string;
  let vm: string;

  test('objects are watched: a change made through the API reaches the client cache', async () => {
    const net = xapi.objects.all[Object.keys(xapi.objects.all).find((id) => xapi.objects.all[id].$type === 'network') as string];
    await xapi.call('network.add_to_other_config', net.$ref, 'watched', 'yes');
    await until('the event', () => (xapi.getObjectByRef(net.$ref).other_config.watched === 'yes' ? true : undefined));
    // barrier() round-trips a pool.other_config key through events (xapi.md §1.8).
    await xapi.barrier(); // resolves only once the added key came back as an event
    await until('the barrier key to be removed', () => (Object.keys(xapi.pool.other_config).some((k) => k.startsWith('xo:barrier')) ? undefined : true));
  });

  test('raw import: VDI.create, then putResource into /import_raw_vdi/ resolves with the VDI ref; the SR stays thin', async () => {
    const sr = xapi.pool.default_SR;
    vdi = await xapi.call('VDI.create', { name_label: 'root', SR: sr, virtual_size: disk.length, type: 'user', sharable: false, read_only: false, other_config: {} });
    const result = await xapi.putResource(sized(disk), '/import_raw_vdi/', { query: { format: 'raw', vdi } });
    expect(result).toBe(vdi);
    const rec: Rec = await xapi.call('VDI.get_record', vdi);
    expect(Number(rec.physical_utilisation)).toBeGreaterThanOrEqual(MiB);
    expect(Number(rec.physical_utilisation)).toBeLessThan(4 * MiB);
  });

  test('VM from template with callAsync: clone, drop template disks, provision; attach disk and NIC', async () => {
    const template = (await xapi.call('VM.get_by_name_label', 'Debian Bookworm 12'))[0];
    vm = await xapi.callAsync('VM.clone', template, 'flow');
    await xapi.call('VM.remove_from_other_config', vm, 'disks');
    await xapi.callAsync('VM.provision', vm);
    await xapi.call('VM.set_HVM_boot_params', vm, { order: 'cd', firmware: 'bios' });
    await xapi.call('VBD.create', { VM: vm, VDI: vdi, userdevice: '0', bootable: true, mode: 'RW', type: 'Disk', empty: false, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} });
    const pif = Object.values(await xapi.call('PIF.get_all_records') as Record<string, Rec>).find((p) => p.management === true) as Rec;
    await xapi.call('VIF.create', { device: '0', network: pif.network, VM: vm, MAC: '', MTU: 1500, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} });
    const rec: Rec = await xapi.call('VM.get_record', vm);
    expect(rec.is_a_template).toBe(false);
    expect((rec.VBDs as string[]).length).toBe(2); // the template's empty CD and our disk
  });

  test('start: Running with devices attached, then guest metrics report "0/ip" once the agent answers', async () => {
    await xapi.callAsync('VM.start', vm, false, false);
    const rec: Rec = await xapi.call('VM.get_record', vm);
    expect(rec).toMatchObject({ power_state: 'Running', resident_on: xapi.pool.master });
    const guest = lab.hypervisor.guestOf(String(rec.uuid));
    expect(guest?.spec).toMatchObject({ firmware: 'bios', bootOrder: 'cd', nics: [{ mac: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/) }] });
    expect(guest?.spec.disks).toEqual([expect.objectContaining({ kind: 'disk', bootable: true, readonly: false })]);
    const gmRef = await until('guest metrics', () => {
      const ref = xapi.getObjectByRef(vm).guest_metrics;
      return ref !== 'OpaqueRef:NULL' ? ref : undefined;
    });
    const networks = (await xapi.call('VM_guest_metrics.get_networks', gmRef)) as Record<string, string>;
    expect(networks['0/ip']).toBe(guest?.spec.address);
    expect(networks['0/ip']).toMatch(/^127\.77\.\d+\.\d+$/);
  });

  test('a guest-initiated poweroff reaches Halted; clean_shutdown of a second boot too', async () => {
    const uuid = xapi.getObjectByRef(vm).uuid;
    lab.hypervisor.guestOf(uuid)?.exit('poweroff');
    await until('Halted', () => (xapi.getObjectByRef(vm).power_state === 'Halted' ? true : undefined));
    await xapi.callAsync('VM.start', vm, false, false);
    await xapi.callAsync('VM.clean_shutdown', vm);
    const rec: Rec = await xapi.call('VM.get_record', vm);
    expect(rec).toMatchObject({ power_state: 'Halted', domid: -1, resident_on: 'OpaqueRef:NULL' });
    const vbds = await Promise.all((rec.VBDs as string[]).map((r) => xapi.call('VBD.get_currently_attached', r)));
    expect(vbds).toEqual([false, false]);
  });

  test('raw export returns the disk bytes without a Content-Length; the task succeeds', async () => {
    const response = await xapi.getResource('/export_raw_vdi/', { query: { format: 'raw', vdi } });
    expect(response.headers['content-length']).toBeUndefined();
    expect(response.headers['content-type']).toBe('application/octet-stream');
    const body = await readAll(response.body);
    await response.task;
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(disk).digest('hex'));
  });

  test('VHD export is a dynamic VHD that ingot check passes and qemu-img reads back as the same disk', async () => {
    const response = await xapi.getResource('/export_raw_vdi/', { query: { format: 'vhd', vdi } });
    expect(response.headers['content-type']).toBe('application/vhd');
    const vhdPath = join(work, 'export.vhd');
    await writeFile(vhdPath, await readAll(response.body));
    await response.task;
    const check = await checkVhd(vhdPath);
    expect(check.verdict).toBe('pass');
    const back = join(work, 'back.raw');
    await execa('qemu-img', ['convert', '-f', 'vpc', '-O', 'raw', vhdPath, back]);
    expect((await readFile(back)).subarray(0, disk.length).equals(disk)).toBe(true);
  });

  test('VHD import into a fresh VDI gives back the same disk', async () => {
    const rawPath = join(work, 'src.raw');
    await writeFile(rawPath, disk);
    const vhd = await vhdStreamFromFile(rawPath, { deterministic: true });
    const target = await xapi.call('VDI.create', { name_label: 'from vhd', SR: xapi.pool.default_SR, virtual_size: disk.length, type: 'user', sharable: false, read_only: false, other_config: {} });
    const result = await xapi.putResource(Object.assign(vhd.stream, { length: vhd.length }), '/import_raw_vdi/', { query: { format: 'vhd', vdi: target } });
    expect(result).toBe(target);
    const response = await xapi.getResource('/export_raw_vdi/', { query: { format: 'raw', vdi: target } });
    expect((await readAll(response.body)).equals(disk)).toBe(true);
  });

  test('a stream without a length (xen-api\'s 1 PiB Content-Length hack) still lands, as on XAPI', async () => {
    const target = await xapi.call('VDI.create', { name_label: 'no length', SR: xapi.pool.default_SR, virtual_size: disk.length, type: 'user', sharable: false, read_only: false, other_config: {} });
    await xapi.putResource(Readable.from([disk]), '/import_raw_vdi/', { query: { format: 'raw', vdi: target } });
    const response = await xapi.getResource('/export_raw_vdi/', { query: { format: 'raw', vdi: target } });
    expect((await readAll(response.body)).equals(disk)).toBe(true);
  });

  test('cleanup: VM.destroy leaves the VDI, which VDI.destroy then removes', async () => {
    await xapi.call('VM.destroy', vm);
    expect(await xapi.call('VDI.get_uuid', vdi)).toMatch(/-/);
    await xapi.call('VDI.destroy', vdi);
    await expect(xapi.call('VDI.get_uuid', vdi)).rejects.toMatchObject({ code: 'HANDLE_INVALID' });
  });
});
