// Image metadata after import (rackspace.md §4): the Cloud Servers merge call first (idempotent,
// §4.3), the Images API PATCH as fallback with GET-then-add/replace because Glance answers 409 to
// `add` of an existing key (§4.4, trap 18); then the image is read back to prove every key stuck.
import { IngotError } from '../errors/index.js';
import type { Report } from '../cli/events.js';
import { request, type HttpClient, type TokenSource } from './http.js';

export interface MetadataContext {
  imagesBase: string;
  /** cloudServersOpenStack URL (`…/v2/{tenant}`), when the catalog has one in the region. */
  computeUrl: string | undefined;
  auth: TokenSource;
  http: HttpClient;
  report: Report;
}

export type Metadata = Record<string, string>;

/** The keys Rackspace needs on an imported image; `ssh_user` is informational (§4.1). */
export function requiredMetadata(sshUser: string): Metadata {
  return { vm_mode: 'hvm', img_config_drive: 'mandatory', ssh_user: sshUser };
}

const PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';

async function getImage(ctx: MetadataContext, imageId: string): Promise<Record<string, unknown>> {
  const res = await request(ctx.http, { method: 'GET', url: `${ctx.imagesBase}/images/${encodeURIComponent(imageId)}`, what: `read image ${imageId}`, headers: { Accept: 'application/json' }, ok: [200], auth: ctx.auth, rateLimit413: true });
  return res.json<Record<string, unknown>>();
}

async function mergeViaCompute(ctx: MetadataContext, computeUrl: string, imageId: string, metadata: Metadata): Promise<void> {
  await request(ctx.http, {
    method: 'POST',
    url: `${computeUrl}/images/${encodeURIComponent(imageId)}/metadata`,
    what: `set metadata on image ${imageId} (Cloud Servers)`,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ metadata }),
    ok: [200, 203],
    auth: ctx.auth,
    rateLimit413: true,
  });
}

/** JSON-pointer token escaping (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function pointer(key: string): string {
  return `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** add for keys the image lacks, replace for keys it has (never `add` an existing key: 409). */
export function patchOps(image: Record<string, unknown>, metadata: Metadata): Array<{ op: 'add' | 'replace'; path: string; value: string }> {
  return Object.entries(metadata)
    .filter(([key, value]) => image[key] !== value)
    .map(([key, value]) => ({ op: key in image ? 'replace' : 'add', path: pointer(key), value }));
}

async function patchViaImages(ctx: MetadataContext, imageId: string, metadata: Metadata): Promise<void> {
  const ops = patchOps(await getImage(ctx, imageId), metadata);
  if (ops.length === 0) return;
  await request(ctx.http, {
    method: 'PATCH',
    url: `${ctx.imagesBase}/images/${encodeURIComponent(imageId)}`,
    what: `set metadata on image ${imageId} (Cloud Images PATCH)`,
    headers: { 'Content-Type': PATCH_TYPE, Accept: 'application/json' },
    body: JSON.stringify(ops),
    ok: [200],
    auth: ctx.auth,
    rateLimit413: true,
  });
}

export interface MetadataResult {
  via: 'compute' | 'images-patch';
  metadata: Metadata;
}

/** Refuses keys Rackspace would 403 and non-string values (trap 18), before anything is uploaded. */
export function validateMetadata(metadata: Metadata): void {
  for (const [key, value] of Object.entries(metadata)) {
    if (key.toLowerCase().startsWith('com.rackspace')) {
      throw new IngotError('USAGE', `metadata key ${key} is reserved by Rackspace (com.rackspace*) and cannot be set`, { hint: 'Prefix your own keys with your domain, e.g. com.example.build.' });
    }
    if (typeof value !== 'string') throw new IngotError('USAGE', `metadata ${key} must be a string`, {});
  }
}

export async function setImageMetadata(ctx: MetadataContext, imageId: string, metadata: Metadata): Promise<MetadataResult> {
  validateMetadata(metadata);
  let via: MetadataResult['via'] = 'compute';
  let computeError: unknown;
  if (ctx.computeUrl !== undefined) {
    try {
      await mergeViaCompute(ctx, ctx.computeUrl, imageId, metadata);
    } catch (error) {
      computeError = error;
    }
  }
  if (ctx.computeUrl === undefined || computeError !== undefined) {
    via = 'images-patch';
    ctx.report({ event: 'log', level: computeError ? 'warn' : 'debug', message: computeError ? `Cloud Servers metadata call failed (${(computeError as Error).message}); using the Cloud Images PATCH instead` : 'no Cloud Servers endpoint in this region; using the Cloud Images PATCH' });
    await patchViaImages(ctx, imageId, metadata);
  }
  const image = await getImage(ctx, imageId);
  const wrong = Object.entries(metadata).filter(([key, value]) => image[key] !== value);
  if (wrong.length > 0) {
    throw new IngotError('RAX_METADATA_FAILED', `image ${imageId} does not carry the metadata ingot set: ${wrong.map(([k, v]) => `${k} expected ${JSON.stringify(v)}, found ${JSON.stringify(image[k] ?? null)}`).join('; ')}`, {
      hint: 'Set the keys by hand in the Control Panel (Images → metadata) or re-run `ingot push` once the image is active.',
      details: { imageId, missing: wrong.map(([k]) => k) },
    });
  }
  return { via, metadata };
}
