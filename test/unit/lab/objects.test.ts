// The datamodel objects: every field present with its default, the generic messages, the seed
// state of xapi.md §8, and state surviving a restart of the lab.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DATAMODEL } from '../../../src/lab/datamodel/generated.js';
import { call, login, refByName, startTestLab, type TestLab } from '../../support/lab/lab.js';

type Rec = Record<string, unknown>;
let lab: TestLab;
let session: string;

beforeAll(async () => {
  lab = await startTestLab();
  session = await login(lab);
});
afterAll(async () => {
  await lab.stop();
});

const records = (cls: string) => call<Record<string, Rec>>(lab, `${cls}.get_all_records`, session);

describe('records', () => {
  test('every record carries every datamodel field of its class, in the same key set', async () => {
    const fieldsOf = (cls: string) => (DATAMODEL.classes[cls]?.fields ?? []).map((f) => f.name).sort();
    for (const cls of ['pool', 'host', 'SM', 'SR', 'PBD', 'VDI', 'VBD', 'VIF', 'network', 'PIF', 'VM', 'VM_metrics', 'VM_guest_metrics', 'task']) {
      for (const rec of Object.values(await records(cls))) expect(Object.keys(rec).sort()).toEqual(fieldsOf(cls));
    }
    // session has no get_all_records in XAPI either.
    expect(Object.keys(await call<Rec>(lab, 'session.get_record', session, session)).sort()).toEqual(fieldsOf('session'));
  });

  test('fields a record was not given hold their datamodel default', async () => {
    const vdi = await call<string>(lab, 'VDI.create', session, { SR: refByName(lab, 'SR', 'Local storage'), virtual_size: 1, type: 'user', sharable: false, read_only: false, other_config: {} });
    const rec = await call<Rec>(lab, 'VDI.get_record', session, vdi);
    expect(rec).toMatchObject({ on_boot: 'persist', allow_caching: false, snapshot_of: 'OpaqueRef:NULL', snapshot_time: '19700101T00:00:00Z', tags: [], is_a_snapshot: false, virtual_size: 2 * 1024 * 1024 });
  });
});

describe('generic messages', () => {
  test('get_by_uuid, get_by_name_label, getters and setters', async () => {
    const sr = refByName(lab, 'SR', 'Local storage');
    const uuid = await call<string>(lab, 'SR.get_uuid', session, sr);
    expect(await call(lab, 'SR.get_by_uuid', session, uuid)).toBe(sr);
    expect(await call(lab, 'SR.get_by_name_label', session, 'Local storage')).toEqual([sr]);
    expect(await call(lab, 'SR.get_by_name_label', session, 'nothing by that name')).toEqual([]);
    await call(lab, 'SR.set_name_description', session, sr, 'thin');
    expect(await call(lab, 'SR.get_name_description', session, sr)).toBe('thin');
  });

  test('maps: add_to_/remove_from_; sets: add_tags/remove_tags', async () => {
    const net = refByName(lab, 'network', 'Pool-wide network associated with eth0');
    await call(lab, 'network.add_to_other_config', session, net, 'a', '1');
    expect(await call(lab, 'network.get_other_config', session, net)).toEqual({ a: '1' });
    await call(lab, 'network.remove_from_other_config', session, net, 'a');
    expect(await call(lab, 'network.get_other_config', session, net)).toEqual({});
    await call(lab, 'network.add_tags', session, net, 'ingot');
    await call(lab, 'network.add_tags', session, net, 'ingot');
    expect(await call(lab, 'network.get_tags', session, net)).toEqual(['ingot']);
    await call(lab, 'network.remove_tags', session, net, 'ingot');
    expect(await call(lab, 'network.get_tags', session, net)).toEqual([]);
  });
});

describe('seed state (xapi.md §8)', () => {
  test('pool with master, default SR and other_config; host with software_version and API 2.x', async () => {
    const [pool] = Object.values(await records('pool'));
    const hosts = await records('host');
    expect(pool?.other_config).toEqual({});
    expect(Object.keys(hosts)).toContain(pool?.master);
    const host = hosts[pool?.master as string] as Rec;
    expect(host.API_version_major).toBe(2);
    expect(Object.keys(host.software_version as Rec)).toEqual(expect.arrayContaining(['product_brand', 'product_version', 'xapi', 'xapi_build']));
    const control = await call<Rec>(lab, 'VM.get_record', session, host.control_domain);
    expect(control).toMatchObject({ is_control_domain: true, power_state: 'Running', domid: 0, is_a_template: false });
    expect(pool?.default_SR).toBe(refByName(lab, 'SR', 'Local storage'));
  });

  test('a thin ext SR (SM feature THIN_PROVISIONING), a thick lvm SR and an ISO SR, each with a plugged PBD', async () => {
    const srs = Object.values(await records('SR'));
    const sms = Object.values(await records('SM'));
    const smOf = (type: unknown) => sms.find((s) => s.type === type) as Rec;
    const ext = srs.find((s) => s.type === 'ext') as Rec;
    const lvm = srs.find((s) => s.type === 'lvm') as Rec;
    const iso = srs.find((s) => s.type === 'iso') as Rec;
    expect(smOf('ext').features).toHaveProperty('THIN_PROVISIONING');
    expect(smOf('lvm').features).not.toHaveProperty('THIN_PROVISIONING');
    expect(lvm.sm_config).toEqual({ allocation: 'thick', use_vhd: 'true' });
    expect([ext.content_type, iso.content_type]).toEqual(['user', 'iso']);
    const pbds = await records('PBD');
    for (const sr of [ext, lvm, iso]) expect((sr.PBDs as string[]).map((p) => pbds[p]?.currently_attached)).toEqual([true]);
  });

  test('the management network has bridge xenbr0, MTU 1500 and one PIF with management=true', async () => {
    const pifs = Object.values(await records('PIF')).filter((p) => p.management === true);
    expect(pifs).toHaveLength(1);
    const net = await call<Rec>(lab, 'network.get_record', session, pifs[0]?.network);
    expect(net).toMatchObject({ bridge: 'xenbr0', MTU: 1500 });
  });

  test('default templates with HVM settings, provision XML and an empty CD drive', async () => {
    const vms = Object.values(await records('VM'));
    const debian = vms.find((v) => v.name_label === 'Debian Bookworm 12') as Rec;
    expect(vms.some((v) => v.name_label === 'Other install media' && v.is_default_template === true)).toBe(true);
    expect(debian).toMatchObject({ is_a_template: true, is_default_template: true, HVM_boot_policy: 'BIOS order', domain_type: 'hvm', PV_bootloader: '', reference_label: 'debian-12', actions_after_shutdown: 'destroy' });
    expect((debian.HVM_boot_params as Rec).order).toBe('cdn');
    expect((debian.platform as Rec).viridian).toBe('false');
    expect((debian.other_config as Rec).disks).toMatch(/^<provision><disk device="0" size="10737418240"/);
  });
});

describe('persistence', () => {
  test('objects and the password-less state survive a restart of the lab on the same directory', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'ingot-lab-persist-'));
    try {
      const first = await startTestLab({ dir });
      const s1 = await login(first);
      const fp = first.fingerprint;
      const vm = await call<string>(first, 'VM.clone', s1, refByName(first, 'VM', 'Debian Bookworm 12'), 'kept');
      await first.stop();
      const second = await startTestLab({ dir });
      const s2 = await login(second);
      expect(await call(second, 'VM.get_name_label', s2, vm)).toBe('kept');
      expect(second.fingerprint).toBe(fp);
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
