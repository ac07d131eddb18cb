// `ingot push` as a library call: authenticate, upload, import, set metadata, verify.
// The CLI (src/cli/commands/push.ts) only parses flags and renders; `ingot build --push` calls this.
import { basename } from 'node:path';
import type { Report } from '../cli/events.js';
import { IngotError } from '../errors/index.js';
import type { Redactor } from '../redact.js';
import { CLOUD_FILES, CLOUD_IMAGES, CLOUD_SERVERS, hasEndpoint, imagesBase, selectEndpoint } from './catalog.js';
import { DEFAULT_RETRY, type HttpClient, type RetryPolicy } from './http.js';
import { IdentitySession, type Credentials } from './identity.js';
import { importImage } from './images-tasks.js';
import { requiredMetadata, setImageMetadata, validateMetadata, type Metadata } from './metadata.js';
import { uploadVhd, type UploadResult } from './upload.js';

export const DEFAULT_CONTAINER = 'ingot-images';
/** Rackspace: "Do not poll more frequently than every 30 seconds" (rackspace.md §3.4). */
export const DEFAULT_POLL_MS = 30_000;
/** ~2 min/GB (§3.4): 6 h covers the 160 GB limit. */
export const DEFAULT_IMPORT_TIMEOUT_MS = 6 * 3600_000;
export const DEFAULT_CONCURRENCY = 4;

export interface PushOptions {
  file: string;
  name: string;
  sshUser: string;
  /** Extra keys, e.g. from the recipe or --metadata. */
  extraMetadata?: Metadata;
  region?: string;
  container?: string;
  object?: string;
  segmentSize?: number;
  concurrency?: number;
  pollIntervalMs?: number;
  importTimeoutMs?: number;
  retries396?: number;
  servicenet?: boolean;
  identityUrl: string;
  credentials: Credentials;
  redactor: Redactor;
  report: Report;
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
}

export interface PushResult {
  region: string;
  upload: UploadResult & { mbPerSecond: number };
  taskId: string;
  taskIds: string[];
  imageId: string;
  metadata: Metadata;
  metadataVia: 'compute' | 'images-patch';
}

export async function pushVhd(opts: PushOptions): Promise<PushResult> {
  const { report } = opts;
  const http: HttpClient = {
    retry: { ...DEFAULT_RETRY, ...opts.retry },
    ...(opts.signal ? { signal: opts.signal } : {}),
    onRetry: ({ what, attempt, delayMs, reason }) => report({ event: 'log', level: 'warn', message: `${what}: ${reason}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s` }),
  };
  const metadata = { ...opts.extraMetadata, ...requiredMetadata(opts.sshUser) };
  validateMetadata(metadata);
  const session = new IdentitySession({ identityUrl: opts.identityUrl, credentials: opts.credentials, redactor: opts.redactor, http });

  report({ event: 'stage', stage: 'auth', status: 'start', title: 'authenticate with Rackspace Identity' });
  const access = await session.access();
  const region = opts.region ?? access.defaultRegion;
  if (region === undefined) {
    throw new IngotError('RAX_ENDPOINT_MISSING', 'no region given and the Rackspace user record has no default region', { hint: 'Pass --region (DFW, ORD, IAD, LON, HKG, SYD) or set RAX_REGION.' });
  }
  // Cloud Files must be in the same region as Cloud Images (§2.5, trap 19).
  const storageUrl = selectEndpoint(access.catalog, CLOUD_FILES, { region, servicenet: opts.servicenet === true });
  const images = imagesBase(selectEndpoint(access.catalog, CLOUD_IMAGES, { region }));
  const computeUrl = hasEndpoint(access.catalog, CLOUD_SERVERS, region) ? selectEndpoint(access.catalog, CLOUD_SERVERS, { region }) : undefined;
  report({ event: 'stage', stage: 'auth', status: 'done', title: 'authenticate with Rackspace Identity', detail: `region ${region}` });

  const container = opts.container ?? DEFAULT_CONTAINER;
  const object = opts.object ?? basename(opts.file);
  report({ event: 'stage', stage: 'upload', status: 'start', title: `upload to Cloud Files ${container}/${object}` });
  const upload = await uploadVhd(
    { storageUrl, auth: session, http },
    { file: opts.file, container, object, concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY, report, ...(opts.segmentSize === undefined ? {} : { segmentSize: opts.segmentSize }) },
  );
  const mbPerSecond = upload.seconds > 0 ? upload.bytesSent / 1e6 / upload.seconds : 0;
  report({ event: 'stage', stage: 'upload', status: 'done', title: `upload to Cloud Files ${container}/${object}`, detail: `${upload.uploaded} sent, ${upload.kept} kept, ${mbPerSecond.toFixed(1)} MB/s` });

  // The object stays in Cloud Files: deleting it (or its segments) before the task ends corrupts the import (trap 10).
  report({ event: 'stage', stage: 'import', status: 'start', title: 'import with Cloud Images' });
  const imported = await importImage(
    { base: images, auth: session, http },
    {
      name: opts.name,
      importFrom: `${container}/${object}`,
      pollIntervalMs: opts.pollIntervalMs ?? DEFAULT_POLL_MS,
      timeoutMs: opts.importTimeoutMs ?? DEFAULT_IMPORT_TIMEOUT_MS,
      retries396: opts.retries396 ?? 2,
      report,
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
  );
  report({ event: 'stage', stage: 'import', status: 'done', title: 'import with Cloud Images', detail: `image ${imported.imageId}` });

  report({ event: 'stage', stage: 'metadata', status: 'start', title: 'set image metadata' });
  const set = await setImageMetadata({ imagesBase: images, computeUrl, auth: session, http, report }, imported.imageId, metadata);
  report({ event: 'stage', stage: 'metadata', status: 'done', title: 'set image metadata', detail: Object.keys(metadata).join(', ') });

  return { region, upload: { ...upload, mbPerSecond }, taskId: imported.taskId, taskIds: imported.taskIds, imageId: imported.imageId, metadata: set.metadata, metadataVia: set.via };
}
