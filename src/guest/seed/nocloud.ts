// The NoCloud seed (`cidata`): user-data, meta-data and optionally network-config at the root of
// an ISO labelled "cidata" (xapi.md §5.4; cloud-init's ds-identify looks for that label, and
// lab-notes §2 shows cloud-init 22.4 in Debian 12 reading exactly this layout).
import YAML from 'yaml';
import { createIso, type IsoImage, type IsoTree } from '../iso/index.js';
import { checkHostname, checkInstanceId } from './meta.js';
import { YAML_11 } from './user-data.js';
import { type NetworkDescription, networkConfigV2 } from './network.js';

export interface NoCloudSeed {
  /** A new id per build, so cloud-init treats the boot as a first boot. */
  instanceId: string;
  hostname: string;
  /** The merged `#cloud-config` document (renderCloudConfig). */
  userData: string;
  /** Leave out for cloud-init's default: DHCP on the first NIC. */
  network?: NetworkDescription;
}

export function noCloudTree(seed: NoCloudSeed): IsoTree {
  checkInstanceId(seed.instanceId);
  checkHostname(seed.hostname);
  const tree: IsoTree = {
    'user-data': Buffer.from(seed.userData, 'utf8'),
    'meta-data': Buffer.from(YAML.stringify({ 'instance-id': seed.instanceId, 'local-hostname': seed.hostname }, YAML_11), 'utf8'),
  };
  if (seed.network !== undefined) tree['network-config'] = Buffer.from(YAML.stringify(networkConfigV2(seed.network), YAML_11), 'utf8');
  return tree;
}

/** The `cidata` ISO, streamed with its length (for `VDI.create` + `/import_raw_vdi`, xapi.md §5.4). */
export function createNoCloudIso(seed: NoCloudSeed, epochSeconds?: number): Promise<IsoImage> {
  return createIso(noCloudTree(seed), { volumeId: 'cidata', ...(epochSeconds === undefined ? {} : { epochSeconds }) });
}
