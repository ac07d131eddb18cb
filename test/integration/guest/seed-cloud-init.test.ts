// The seeds ingot writes, read the way a guest reads them: the ISO by xorriso/isoinfo, then its
// files by Debian 12's real cloud-init 22.4 datasource code (NoCloud, ConfigDrive) and the
// merged user-data by `cloud-init schema`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { silent } from '../../../src/cli/events.js';
import {
  OPENSTACK_VERSIONS, createConfigDriveIso, createNoCloudIso, generateBuildKey, generateHostKey, mergeUserData, networkConfigV2, renderCloudConfig,
  type NetworkDescription,
} from '../../../src/guest/seed/index.js';
import { Redactor } from '../../../src/redact.js';
import { cloudInitRoot, cloudInitSchema, readSeed, type SeedAsRead } from '../../support/guest-iso/cloud-init.js';
import { isoinfoDescribe, isoinfoList, osirroxExtract } from '../../support/guest-iso/iso-tools.js';

const work = mkdtempSync(join(tmpdir(), 'ingot-seed-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(() => { cloudInitRoot(); }, 120_000);

async function writeImage(name: string, image: Promise<{ length: number; stream: AsyncIterable<unknown> }>): Promise<string> {
  const { length, stream } = await image;
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const path = join(work, name);
  const bytes = Buffer.concat(chunks);
  expect(bytes.length).toBe(length);
  writeFileSync(path, bytes);
  return path;
}

const redactor = new Redactor();
const buildKey = generateBuildKey(redactor, 'seed-test');
const hostKey = generateHostKey(redactor, 'seed-test');
const recipeUserData = [
  '#cloud-config',
  'packages: [curl]',
  'runcmd:',
  '  - [sh, -c, "echo provisioned > /var/tmp/marker"]',
  'write_files:',
  '  - path: /etc/motd',
  '    content: "built by ingot\\n"',
  'users:',
  '  - default',
  '  - name: ops',
  '    ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBjBo0z+T9aHxBTf6JmlVN3X2CZ0Ys6yb2KH0C6ij7Xo ops@example"]',
  'ssh_deletekeys: false',
  '',
].join('\n');
const userData = renderCloudConfig(mergeUserData(recipeUserData, { user: 'ingot-build', buildPublicKey: buildKey.publicKey, hostKey }, silent));

describe('the merged user-data', () => {
  it('is valid cloud-config for cloud-init 22.4 (cloud-init schema)', () => {
    const file = join(work, 'user-data.yaml');
    writeFileSync(file, userData);
    const result = cloudInitSchema(file);
    expect(result.output).toMatch(/Valid cloud-config/);
    expect(result.ok).toBe(true);
  });

  it('is checked by an oracle that can fail: cloud-init schema rejects a wrong value', () => {
    const file = join(work, 'broken.yaml');
    writeFileSync(file, `${userData}\nssh_pwauth: [not, a, boolean]\n`.replace(/^ssh_pwauth: false\n/m, ''));
    const result = cloudInitSchema(file);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/ssh_pwauth/);
  });
});

describe('the NoCloud seed (cidata)', () => {
  const network: NetworkDescription = { interfaces: [{ mac: '52:54:00:12:34:56', ipv4: 'dhcp', ipv6: 'slaac' }], dns: ['192.0.2.53'] };
  let iso = '';
  let files = '';
  let seen: SeedAsRead = { found: false };
  beforeAll(async () => {
    iso = await writeImage('nocloud.iso', createNoCloudIso({ instanceId: 'ingot-b-42', hostname: 'debian-12-build', userData, network }, 1_700_000_000));
    files = join(work, 'nocloud');
    osirroxExtract(iso, files);
    seen = readSeed('nocloud', files); // ~2 s: Python importing cloud-init
  });

  it('is an ISO labelled cidata with user-data, meta-data and network-config at its root', () => {
    expect(isoinfoDescribe(iso)).toMatch(/^Volume id: cidata$/m);
    expect([...isoinfoList(iso, 'R').keys()].sort()).toEqual(['/meta-data', '/network-config', '/user-data']);
  });

  it('is read by cloud-init\'s NoCloud datasource: instance id, hostname, user-data and network config', () => {
    expect(seen).toMatchObject({ found: true, dsname: 'NoCloud', instance_id: 'ingot-b-42', hostname: 'debian-12-build' });
    expect(seen.userdata_raw).toBe(userData);
    expect(seen.network_config).toEqual(networkConfigV2(network));
    expect(readFileSync(join(files, 'user-data'), 'utf8')).toBe(userData);
  });

  it('carries ingot\'s host key and build user in the user-data cloud-init reads', () => {
    const config = YAML.parse(seen.userdata_raw ?? '') as Record<string, unknown>;
    expect(config.ssh_keys).toEqual({ ed25519_private: hostKey.privateKey, ed25519_public: hostKey.publicKey });
    expect(config.ssh_deletekeys).toBe(true);
    expect(config.users).toEqual(expect.arrayContaining(['default', expect.objectContaining({ name: 'ingot-build', ssh_authorized_keys: [buildKey.publicKey] })]));
  });
});

describe('the config drive (config-2)', () => {
  const uuid = '6f2a1c3e-2b7d-4a4e-9c55-0e2a7b1d9f10';
  const network: NetworkDescription = {
    interfaces: [{ mac: 'BC:76:4E:20:1A:2B', mtu: 1500, ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1' }, ipv6: { address: '2001:db8::5/64', gateway: '2001:db8::1' } }],
    dns: ['192.0.2.53', '2001:db8::53'],
  };
  let iso = '';
  let files = '';
  let seen: SeedAsRead = { found: false };
  beforeAll(async () => {
    iso = await writeImage('config-2.iso', createConfigDriveIso({ uuid, hostname: 'web-1', publicKeys: { customer: buildKey.publicKey }, userData: '#cloud-config\nruncmd: [touch /var/tmp/first-boot]\n', network }, 1_700_000_000));
    files = join(work, 'config-2');
    osirroxExtract(iso, files);
    seen = readSeed('configdrive', files, { 'bc:76:4e:20:1a:2b': 'eth0' });
  });

  it('is an ISO labelled config-2 with the OpenStack v2 layout Nova writes', () => {
    expect(isoinfoDescribe(iso)).toMatch(/^Volume id: config-2$/m);
    const listed = isoinfoList(iso, 'R');
    for (const version of [...OPENSTACK_VERSIONS, 'latest']) {
      expect(listed.has(`/openstack/${version}/meta_data.json`), version).toBe(true);
      expect(listed.has(`/openstack/${version}/user_data`), version).toBe(true);
    }
    expect(listed.has('/openstack/latest/network_data.json')).toBe(true);
    expect(listed.has('/openstack/2012-08-10/network_data.json')).toBe(false); // Liberty and later only
  });

  it('is read by cloud-init\'s ConfigDrive datasource: uuid as instance id, hostname, keys, user-data', () => {
    expect(seen).toMatchObject({ found: true, dsname: 'ConfigDrive', instance_id: uuid, hostname: 'web-1', public_keys: [buildKey.publicKey] });
    expect(seen.userdata_raw).toBe('#cloud-config\nruncmd: [touch /var/tmp/first-boot]\n');
  });

  it('gives cloud-init the static IPv4/IPv6 addresses, routes and DNS of network_data.json', () => {
    const { network_config: net } = seen as { network_config: { version: number; config: Array<Record<string, unknown>> } };
    expect(net.version).toBe(1);
    const eth0 = net.config.find((c) => c.type === 'physical');
    expect(eth0).toMatchObject({ name: 'eth0', mac_address: 'bc:76:4e:20:1a:2b', mtu: 1500 });
    expect(eth0?.subnets).toEqual([
      expect.objectContaining({ type: 'static', address: '10.0.0.5', netmask: '255.255.255.0', routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.0.0.1' }] }),
      expect.objectContaining({ type: 'static6', address: '2001:db8::5', netmask: 'ffff:ffff:ffff:ffff::', routes: [{ network: '::', netmask: '::', gateway: '2001:db8::1' }] }),
    ]);
    expect(net.config.filter((c) => c.type === 'nameserver').map((c) => c.address)).toEqual(['192.0.2.53', '2001:db8::53']);
  });

  it('is refused by cloud-init without meta_data.json (the reader is not vacuous)', () => {
    const empty = join(work, 'no-meta');
    osirroxExtract(iso, empty);
    for (const version of [...OPENSTACK_VERSIONS, 'latest']) rmSync(join(empty, 'openstack', version, 'meta_data.json'), { force: true });
    expect(readSeed('configdrive', empty).found).toBe(false);
  });
});
