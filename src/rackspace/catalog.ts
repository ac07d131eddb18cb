// The Identity v2.0 service catalog and how ingot picks endpoints from it (rackspace.md §1.3).
// Selection is by (type, name, region): type alone picks the legacy region-less `cloudServers`
// entry (trap 1); the Cloud Files URL comes from the catalog, never from the token's tenant,
// because its account is `MossoCloudFS_…` (trap 2).
import { IngotError } from '../errors/index.js';

export interface Endpoint {
  region?: string;
  tenantId?: string;
  publicURL: string;
  internalURL?: string;
}

export interface CatalogEntry {
  name: string;
  type: string;
  endpoints: Endpoint[];
}

export interface ServiceSpec {
  type: string;
  name: string;
}

export const CLOUD_FILES: ServiceSpec = { type: 'object-store', name: 'cloudFiles' };
export const CLOUD_IMAGES: ServiceSpec = { type: 'image', name: 'cloudImages' };
export const CLOUD_SERVERS: ServiceSpec = { type: 'compute', name: 'cloudServersOpenStack' };

export interface SelectOptions {
  region: string;
  /** Use internalURL (ServiceNet): only reachable from a Rackspace server in the same region (§2.5). */
  servicenet?: boolean;
}

/** The URL of one service in one region; regions compare case-insensitively (pkgcloud matchRegion). */
export function selectEndpoint(catalog: readonly CatalogEntry[], service: ServiceSpec, opts: SelectOptions): string {
  const entry = catalog.find((e) => e.type === service.type && e.name === service.name);
  const regions = (entry?.endpoints ?? []).map((e) => e.region).filter((r): r is string => r !== undefined);
  const endpoint = entry?.endpoints.find((e) => e.region !== undefined && e.region.toLowerCase() === opts.region.toLowerCase());
  if (entry === undefined || endpoint === undefined) {
    const found = entry === undefined ? `no ${service.name} (${service.type}) service at all` : `${service.name} only in ${regions.join(', ') || 'no region'}`;
    throw new IngotError('RAX_ENDPOINT_MISSING', `the service catalog has no ${service.name} (${service.type}) endpoint in region ${opts.region}: found ${found}`, {
      hint: regions.length > 0 ? `Pick one of ${regions.join(', ')} with --region or RAX_REGION.` : 'The account does not have this service; check it in the Control Panel.',
      details: { service: service.name, region: opts.region, regions },
    });
  }
  if (opts.servicenet) {
    if (endpoint.internalURL === undefined) {
      throw new IngotError('RAX_ENDPOINT_MISSING', `${service.name} in ${opts.region} has no internalURL (ServiceNet)`, {
        hint: 'Drop --servicenet: this service is only reachable on its public URL.',
      });
    }
    return stripSlash(endpoint.internalURL);
  }
  return stripSlash(endpoint.publicURL);
}

/** True when the catalog has the service in the region (for optional services such as Cloud Servers). */
export function hasEndpoint(catalog: readonly CatalogEntry[], service: ServiceSpec, region: string): boolean {
  const entry = catalog.find((e) => e.type === service.type && e.name === service.name);
  return entry?.endpoints.some((e) => e.region?.toLowerCase() === region.toLowerCase()) ?? false;
}

/**
 * The Images API base with exactly one `/v2`: the catalog URL already ends in `/v2`, and some docs
 * append another (rackspace.md §3.1, trap 3).
 */
export function imagesBase(url: string): string {
  const base = stripSlash(url);
  return /\/v2$/.test(base) ? base : `${base}/v2`;
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
