// Cloud Files (OpenStack Swift) calls ingot makes: container create, object HEAD/PUT with an MD5
// ETag, and the SLO manifest PUT (rackspace.md §2.2–§2.4).
import { IngotError } from '../errors/index.js';
import { request, type HttpClient, type TokenSource } from './http.js';
import type { FileRange } from './file-range.js';
import { manifestBody, sloEtag, type UploadedSegment } from './slo.js';

export interface SwiftContext {
  /** The catalog's cloudFiles URL, account included (`…/v1/MossoCloudFS_…`). */
  storageUrl: string;
  auth: TokenSource;
  http: HttpClient;
}

/** `/container/a b/c` → `/container/a%20b/c`: each name segment encoded, the slashes kept. */
export function objectUrl(ctx: SwiftContext, container: string, object?: string): string {
  const path = [container, ...(object === undefined ? [] : object.split('/'))].map(encodeURIComponent).join('/');
  return `${ctx.storageUrl}/${path}`;
}

/** PUT is idempotent: 201 created, 202 already there (§2.2). */
export async function ensureContainer(ctx: SwiftContext, container: string): Promise<void> {
  await request(ctx.http, { method: 'PUT', url: objectUrl(ctx, container), what: `create container ${container}`, headers: { 'Content-Length': '0' }, ok: [201, 202, 204], auth: ctx.auth });
}

export interface ObjectHead {
  size: number;
  /** Unquoted; for an SLO it is the md5 of the segment etags. */
  etag: string;
  slo: boolean;
}

export async function headObject(ctx: SwiftContext, container: string, object: string): Promise<ObjectHead | undefined> {
  const res = await request(ctx.http, { method: 'HEAD', url: objectUrl(ctx, container, object), what: `look up ${container}/${object}`, ok: [200, 204, 404], auth: ctx.auth });
  if (res.status === 404) return undefined;
  return {
    size: Number(res.headers.get('content-length') ?? '-1'),
    etag: (res.headers.get('etag') ?? '').replace(/"/g, ''),
    slo: (res.headers.get('x-static-large-object') ?? '').toLowerCase() === 'true',
  };
}

/**
 * PUT one object with its MD5 as ETag, so Swift refuses damaged bytes with 422 (§2.3); a 422 is
 * retried (the range is read again), and the answered Etag is checked again on our side.
 */
export async function putObject(ctx: SwiftContext, container: string, object: string, source: FileRange, md5: string): Promise<string> {
  const res = await request(ctx.http, {
    method: 'PUT',
    url: objectUrl(ctx, container, object),
    what: `upload ${container}/${object}`,
    headers: { ETag: md5, 'Content-Type': 'application/octet-stream' },
    bodySource: source,
    ok: [201],
    retryOn: [422],
    auth: ctx.auth,
  });
  const etag = (res.headers.get('etag') ?? '').replace(/"/g, '');
  if (etag !== md5 || source.md5 !== md5) {
    throw new IngotError('RAX_UPLOAD_FAILED', `Cloud Files stored ${container}/${object} with ETag ${etag || '(none)'}, expected ${md5}`, {
      hint: 'The file changed during the upload, or bytes were changed on the way; run the same command again.',
    });
  }
  return etag;
}

/** Tries for a streamed segment whose stored Etag differs from what was read (bytes damaged on the way). */
const STREAM_TRIES = 3;

/**
 * PUT a file range streamed from disk (an SLO segment). Its MD5 is only known once the bytes are
 * read, so instead of an ETag header the answered Etag (Swift's MD5 of what it stored) is compared
 * with the MD5 of what was sent; a mismatch is sent again, overwriting the bad copy.
 */
export async function putStreamed(ctx: SwiftContext, container: string, object: string, source: FileRange): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const res = await request(ctx.http, {
      method: 'PUT',
      url: objectUrl(ctx, container, object),
      what: `upload ${container}/${object}`,
      headers: { 'Content-Type': 'application/octet-stream' },
      bodySource: source,
      ok: [201],
      auth: ctx.auth,
    });
    const etag = (res.headers.get('etag') ?? '').replace(/"/g, '');
    if (source.md5 !== undefined && etag === source.md5) return etag;
    if (attempt >= STREAM_TRIES) {
      throw new IngotError('RAX_UPLOAD_FAILED', `Cloud Files stored ${container}/${object} with ETag ${etag || '(none)'}, but the bytes sent have MD5 ${source.md5 ?? '(unknown)'} (${attempt} tries)`, {
        hint: 'The bytes keep changing on the way; check the network path (a proxy rewriting bodies?) and run the same command again.',
      });
    }
  }
}

/**
 * PUT the SLO manifest WITHOUT an ETag header (trap 13: Rackspace's doc and Swift ≥ 2.13 disagree on
 * what it means), then check the quoted Etag Swift answers against md5(segment etags).
 */
export async function putManifest(ctx: SwiftContext, container: string, object: string, parts: readonly UploadedSegment[]): Promise<string> {
  const body = manifestBody(parts);
  const res = await request(ctx.http, {
    method: 'PUT',
    url: `${objectUrl(ctx, container, object)}?multipart-manifest=put`,
    what: `write the large-object manifest ${container}/${object}`,
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
    body,
    ok: [201],
    auth: ctx.auth,
  });
  const expected = sloEtag(parts);
  const etag = (res.headers.get('etag') ?? '').replace(/"/g, '');
  if (etag !== expected) {
    throw new IngotError('RAX_UPLOAD_FAILED', `Cloud Files answered the manifest ${container}/${object} with Etag ${etag || '(none)'}, expected ${expected}`, {
      hint: 'A segment changed while the manifest was written; run the same command again.',
    });
  }
  return etag;
}
