// The pool and its coordinator: versions for the manifest, the pool ref for events.
import type { XapiClient } from './client.js';
import type { HostRecord, PoolRecord, Ref } from './types.generated.js';

export interface HostVersions {
  pool: Ref<'pool'>;
  hostName: string;
  product: string;
  /** e.g. "8.3.0" for XCP-ng; from host.software_version. */
  productVersion: string;
  xapi: string;
  apiVersion: string;
}

export async function hostVersions(xapi: XapiClient): Promise<HostVersions> {
  const pools = await xapi.call<Record<string, PoolRecord>>('pool.get_all_records');
  const [poolRef, pool] = Object.entries(pools)[0] as [Ref<'pool'>, PoolRecord];
  const master = await xapi.call<HostRecord>('host.get_record', pool.master);
  const sv = master.software_version ?? {};
  return {
    pool: poolRef,
    hostName: master.hostname,
    product: sv.product_brand ?? sv.platform_name ?? 'unknown',
    productVersion: sv.product_version ?? sv.platform_version ?? 'unknown',
    xapi: sv.xapi ?? 'unknown',
    apiVersion: `${master.API_version_major}.${master.API_version_minor}`,
  };
}
