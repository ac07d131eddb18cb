// What goes into each seed, before any ISO is written.
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { OPENSTACK_VERSIONS, configDriveTree, metaDataJson, noCloudTree } from '../../../src/guest/seed/index.js';

const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhvc3Qta2V5 customer@laptop';

describe('NoCloud seed files', () => {
  it('has meta-data with instance-id and local-hostname, and the user-data as given', () => {
    const tree = noCloudTree({ instanceId: 'ingot-7', hostname: 'build-7', userData: '#cloud-config\n{}\n' });
    expect(Object.keys(tree).sort()).toEqual(['meta-data', 'user-data']);
    expect(YAML.parse(String(tree['meta-data']))).toEqual({ 'instance-id': 'ingot-7', 'local-hostname': 'build-7' });
    expect(String(tree['user-data'])).toBe('#cloud-config\n{}\n');
  });

  it.each([
    ['a host name with an underscore', { instanceId: 'i', hostname: 'bad_name' }, /not a valid host name/],
    ['a host name ending in a hyphen', { instanceId: 'i', hostname: 'web-' }, /not a valid host name/],
    ['an instance id with a slash', { instanceId: '../x', hostname: 'web' }, /instance id "..\/x"/],
  ])('rejects %s with SEED_INVALID', (_what, seed, message) => {
    expect(() => noCloudTree({ ...seed, userData: '' })).toThrow(expect.objectContaining({ code: 'SEED_INVALID', message: expect.stringMatching(message) }));
  });
});

describe('config drive files', () => {
  const uuid = '0b7c2a8e-4a64-4b0e-9f3a-5d0c1e2f3a4b';

  it('has meta_data.json with the fields Nova writes', () => {
    expect(metaDataJson({ uuid, hostname: 'web-1', publicKeys: { customer: `${key}\n` }, meta: { role: 'web' } })).toEqual({
      uuid, name: 'web-1', hostname: 'web-1', launch_index: 0, availability_zone: 'nova',
      public_keys: { customer: key }, keys: [{ name: 'customer', type: 'ssh', data: key }],
      meta: { role: 'web' }, devices: [], project_id: 'ingot',
    });
  });

  it('repeats the same files in every version directory, with the files each version introduced', () => {
    const tree = configDriveTree({ uuid, hostname: 'web-1', publicKeys: {}, userData: '#cloud-config\n' });
    const versions = [...OPENSTACK_VERSIONS, 'latest'];
    for (const v of versions) expect(tree[`openstack/${v}/meta_data.json`], v).toBe(tree['openstack/latest/meta_data.json']);
    expect(versions.filter((v) => `openstack/${v}/network_data.json` in tree)).toEqual(['2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', 'latest']);
    expect(versions.filter((v) => `openstack/${v}/vendor_data.json` in tree)).toEqual(versions.slice(2));
  });

  it('leaves user_data out when there is none', () => {
    expect(Object.keys(configDriveTree({ uuid, hostname: 'web-1', publicKeys: {} })).some((p) => p.endsWith('user_data'))).toBe(false);
  });

  it.each([
    ['a uuid that is not one', { uuid: 'vm-1', hostname: 'web', publicKeys: {} }, /"vm-1" is not a UUID/],
    ['a public key that is not one', { uuid, hostname: 'web', publicKeys: { k: 'not a key' } }, /public key "k"/],
    ['a bad host name', { uuid, hostname: '-web', publicKeys: {} }, /not a valid host name/],
  ])('rejects %s with SEED_INVALID', (_what, seed, message) => {
    expect(() => configDriveTree(seed)).toThrow(expect.objectContaining({ code: 'SEED_INVALID', message: expect.stringMatching(message) }));
  });
});
