// Cloud Images import through Glance v2 tasks (rackspace.md §3): POST {base}/tasks with only the
// name in image_properties (trap 7), poll no faster than Rackspace asks (§3.4, trap 9), a 396 is
// retried a bounded number of times (trap 8), and the object is left alone until the task ends (trap 10).
import { IngotError } from '../errors/index.js';
import type { Report } from '../cli/events.js';
import { request, sleep, type HttpClient, type TokenSource } from './http.js';
import { explainTaskFailure } from './task-errors.js';

export interface ImagesContext {
  /** The Images base, already ending in exactly one /v2 (catalog.ts imagesBase). */
  base: string;
  auth: TokenSource;
  http: HttpClient;
}

export interface Task {
  id: string;
  status: 'pending' | 'processing' | 'success' | 'failure' | string;
  message?: string | null;
  result?: { image_id?: string } | null;
}

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

export async function createImportTask(ctx: ImagesContext, name: string, importFrom: string): Promise<Task> {
  const body = { type: 'import', input: { image_properties: { name }, import_from: importFrom } };
  const res = await request(ctx.http, { method: 'POST', url: `${ctx.base}/tasks`, what: `start the import of ${importFrom}`, headers: JSON_HEADERS, body: JSON.stringify(body), ok: [201, 200], auth: ctx.auth, rateLimit413: true });
  return res.json<Task>();
}

export async function getTask(ctx: ImagesContext, id: string): Promise<Task> {
  const res = await request(ctx.http, { method: 'GET', url: `${ctx.base}/tasks/${encodeURIComponent(id)}`, what: `read import task ${id}`, headers: { Accept: 'application/json' }, ok: [200], auth: ctx.auth, rateLimit413: true });
  return res.json<Task>();
}

export interface ImportOptions {
  name: string;
  /** `<container>/<object>` of the uploaded VHD (the SLO manifest for a large one). */
  importFrom: string;
  pollIntervalMs: number;
  /** Give up waiting after this long (the task keeps running at Rackspace). */
  timeoutMs: number;
  /** Tasks re-created after a 396 before giving up. */
  retries396: number;
  report: Report;
  signal?: AbortSignal;
}

export interface ImportResult {
  imageId: string;
  taskId: string;
  /** Every task created, the failed 396 ones included. */
  taskIds: string[];
}

async function waitForTask(ctx: ImagesContext, task: Task, opts: ImportOptions): Promise<Task> {
  const until = Date.now() + opts.timeoutMs;
  let current = task;
  let lastStatus = '';
  while (current.status !== 'success' && current.status !== 'failure') {
    if (current.status !== lastStatus) {
      opts.report({ event: 'log', level: 'info', message: `import task ${current.id}: ${current.status}` });
      lastStatus = current.status;
    }
    if (Date.now() >= until) {
      throw new IngotError('RAX_IMPORT_TIMEOUT', `import task ${current.id} is still ${current.status} after ${Math.round(opts.timeoutMs / 1000)} s`, {
        hint: 'Large images take hours (about 2 min/GB). The task keeps running at Rackspace: keep the uploaded object and check it later in the Control Panel.',
        details: { taskId: current.id },
      });
    }
    await sleep(opts.pollIntervalMs, opts.signal);
    current = await getTask(ctx, current.id);
  }
  return current;
}

export async function importImage(ctx: ImagesContext, opts: ImportOptions): Promise<ImportResult> {
  const taskIds: string[] = [];
  for (let attempt = 0; ; attempt += 1) {
    const created = await createImportTask(ctx, opts.name, opts.importFrom);
    taskIds.push(created.id);
    opts.report({ event: 'log', level: 'info', message: `import task ${created.id} created for ${opts.importFrom}` });
    const task = await waitForTask(ctx, created, opts);
    if (task.status === 'success') {
      const imageId = task.result?.image_id;
      if (typeof imageId !== 'string' || imageId === '') {
        throw new IngotError('RAX_HTTP_FAILED', `import task ${task.id} succeeded without result.image_id`, { hint: 'Look for the image in the Control Panel; report this to Rackspace.' });
      }
      return { imageId, taskId: task.id, taskIds };
    }
    const failure = explainTaskFailure(task.message);
    if (failure.retryable && attempt < opts.retries396) {
      opts.report({ event: 'log', level: 'warn', message: `import task ${task.id} failed with code ${failure.code}; Rackspace's importer also fails this way transiently, trying again (${attempt + 1}/${opts.retries396})` });
      continue;
    }
    throw new IngotError('RAX_IMPORT_REJECTED', failure.sentence, {
      hint: failure.retryable ? `Tried ${attempt + 1} times. The uploaded object is kept in Cloud Files; fix the VHD and push again.` : 'The uploaded object is kept in Cloud Files; fix the VHD and push again.',
      details: { taskId: task.id, taskIds, message: task.message ?? null, code: failure.code ?? null },
    });
  }
}
