// The OpenStack config drive (`config-2`, version 2 layout) that Rackspace attaches to servers of
// images with img_config_drive=mandatory (rackspace.md §4.1, §5.5). cloud-init's ConfigDrive
// reader (sources/helpers/openstack.py in 22.4) lists openstack/, takes the newest dated version
// it knows and reads meta_data.json (required), user_data, vendor_data.json and
// network_data.json from it; "latest" is its fallback. Nova writes every version it supports
// plus latest, so ingot does too, with the same content in each.
import { randomUUID } from 'node:crypto';
import { IngotError } from '../../errors/index.js';
import { createIso, type IsoImage, type IsoTree } from '../iso/index.js';
import { checkHostname } from './meta.js';
import { type NetworkDescription, networkDataJson } from './network.js';

/** cloud-init 22.4's OS_VERSIONS, oldest first: Folsom … Rocky. */
export const OPENSTACK_VERSIONS = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27'] as const;
/** Nova added vendor_data.json in Havana (2013-10-17) and network_data.json in Liberty (2015-10-15). */
const VENDOR_DATA_SINCE = '2013-10-17';
const NETWORK_DATA_SINCE = '2015-10-15';

export interface ConfigDriveSeed {
  /** The server's uuid; cloud-init uses it as instance-id. Defaults to a random one. */
  uuid?: string;
  hostname: string;
  /** The server's display name; defaults to the hostname. */
  name?: string;
  /** Key name → authorized_keys line; cloud-init installs them for the default user (ssh_user). */
  publicKeys: Record<string, string>;
  userData?: string;
  network?: NetworkDescription;
  availabilityZone?: string;
  launchIndex?: number;
  /** Server metadata (Nova `meta`): string values only. */
  meta?: Record<string, string>;
}

export function metaDataJson(seed: ConfigDriveSeed): Record<string, unknown> {
  checkHostname(seed.hostname);
  const uuid = seed.uuid ?? randomUUID();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) {
    throw new IngotError('SEED_INVALID', `Config drive: "${uuid}" is not a UUID.`, { hint: 'Leave it out for a random one, or pass the VM uuid.' });
  }
  for (const [name, key] of Object.entries(seed.publicKeys)) {
    if (!/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( .*)?$/.test(key.trim())) {
      throw new IngotError('SEED_INVALID', `Config drive: public key "${name}" is not an OpenSSH public key line.`, { hint: 'Expected "ssh-ed25519 AAAA… comment".' });
    }
  }
  const keys = Object.entries(seed.publicKeys).map(([name, data]) => ({ name, type: 'ssh', data: data.trim() }));
  return {
    uuid,
    name: seed.name ?? seed.hostname,
    hostname: seed.hostname,
    launch_index: seed.launchIndex ?? 0,
    availability_zone: seed.availabilityZone ?? 'nova',
    public_keys: Object.fromEntries(keys.map((k) => [k.name, k.data])),
    keys,
    meta: seed.meta ?? {},
    devices: [],
    project_id: 'ingot',
  };
}

export function configDriveTree(seed: ConfigDriveSeed): IsoTree {
  const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
  // One Buffer per file kind: the ISO writer stores a content object once, so the nine version
  // directories cost a few directory records, not nine copies.
  const metaData = json(metaDataJson(seed));
  const userData = seed.userData === undefined ? undefined : Buffer.from(seed.userData, 'utf8');
  const networkData = json(seed.network === undefined ? { links: [], networks: [], services: [] } : networkDataJson(seed.network));
  const vendorData = json({});
  const tree: IsoTree = {};
  for (const version of [...OPENSTACK_VERSIONS, 'latest']) {
    const dir = `openstack/${version}`;
    tree[`${dir}/meta_data.json`] = metaData;
    if (userData !== undefined) tree[`${dir}/user_data`] = userData;
    if (version === 'latest' || version >= VENDOR_DATA_SINCE) tree[`${dir}/vendor_data.json`] = vendorData;
    if (version === 'latest' || version >= NETWORK_DATA_SINCE) tree[`${dir}/network_data.json`] = networkData;
  }
  return tree;
}

/** The `config-2` ISO (rackspace.md §4.1: iso9660, label config-2). */
export function createConfigDriveIso(seed: ConfigDriveSeed, epochSeconds?: number): Promise<IsoImage> {
  return createIso(configDriveTree(seed), { volumeId: 'config-2', ...(epochSeconds === undefined ? {} : { epochSeconds }) });
}
