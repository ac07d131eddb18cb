// Is an SR thin-provisioned? xapi.md §6: first the SM record's THIN_PROVISIONING feature, then
// the type table, with `sm_config.allocation` overriding for LVM types.
import type { SMRecord, SRRecord } from './types.generated.js';

export interface Provisioning {
  thin: boolean;
  /** Why ingot concluded so, quoted in the error when a thick SR is refused. */
  reason: string;
}

const THIN_TYPES = new Set(['ext', 'nfs', 'file', 'smb', 'zfs', 'xfs', 'glusterfs', 'cephfs', 'moosefs', 'gfs2', 'linstor']);
const LVM_TYPES = new Set(['lvm', 'lvmoiscsi', 'lvmohba', 'lvmofcoe']);

export function provisioning(sr: Pick<SRRecord, 'type' | 'sm_config'>, sms: ReadonlyArray<Pick<SMRecord, 'type' | 'features'>>): Provisioning {
  const allocation = sr.sm_config?.allocation;
  if (LVM_TYPES.has(sr.type)) {
    return allocation === 'thin'
      ? { thin: true, reason: `type ${sr.type} with sm_config.allocation=thin` }
      : { thin: false, reason: `type ${sr.type} allocates every disk in full (sm_config.allocation=${allocation ?? 'thick, the default'})` };
  }
  const sm = sms.find((s) => s.type === sr.type);
  if (sm !== undefined && 'THIN_PROVISIONING' in (sm.features ?? {})) return { thin: true, reason: `its SM driver (${sr.type}) declares THIN_PROVISIONING` };
  if (THIN_TYPES.has(sr.type)) return { thin: true, reason: `type ${sr.type} stores disks as sparse files` };
  return { thin: false, reason: sm === undefined ? `type ${sr.type} is not known to be thin` : `its SM driver (${sr.type}) does not declare THIN_PROVISIONING` };
}
