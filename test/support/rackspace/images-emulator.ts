// Cloud Images (Glance v2 tasks) + the one Cloud Servers metadata call (rackspace.md §6.2, §6.3).
// The import reads the object from the real loopback Swift with the caller's token, validates the
// VHD footer and fails with Rackspace's messages; images live in one store both APIs share.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyFault, readBody, sendJson, type Fault, type LoggedRequest } from './http-util.js';
import { parseFooter } from './vhd-fixture.js';

export interface ImagesConfig {
  tenantId: string;
  /** The real Swift storage URL (not a fault proxy) the importer reads from. */
  swiftStorageUrl: () => string;
  /** Size limit for 413/609 (default 160 GiB). */
  limitBytes: number;
  /** GETs of a task that show it `processing` before it ends. */
  processingPolls: number;
  /** Task `message` when there is nothing to say: "" or "None" (trap 6). */
  emptyMessage: '' | 'None';
}

export interface EmulatedTask {
  id: string;
  status: string;
  message: string;
  input: { image_properties?: Record<string, unknown>; import_from?: string };
  token: string;
  polls: number;
  result?: { image_id: string };
  created_at: string;
  updated_at: string;
  expires_at?: string;
}

export interface ImagesState {
  validTokens: () => Set<string>;
  tasks: Map<string, EmulatedTask>;
  images: Map<string, Record<string, unknown>>;
  /** The next N imports fail with 396 whatever the VHD (Rackspace's transient 396). */
  fail396: number;
  faults: Fault[];
  log: LoggedRequest[];
  /** import_from of every task created, and the image_properties sent. */
  created: Array<{ importFrom: string | undefined; properties: Record<string, unknown> | undefined }>;
}

const RESTRICTED = new Set(['id', 'checksum', 'created_at', 'updated_at', 'file', 'schema', 'self', 'size', 'status', 'image_type', 'location', 'os_type', 'owner', 'user_id']);
const PATCH_TYPES = ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'];
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function taskView(t: EmulatedTask, owner: string): Record<string, unknown> {
  return {
    id: t.id, type: 'import', status: t.status, input: t.input, message: t.message, owner,
    created_at: t.created_at, updated_at: t.updated_at, self: `/v2/tasks/${t.id}`, schema: '/v2/schemas/task',
    ...(t.result ? { result: t.result } : {}), ...(t.expires_at ? { expires_at: t.expires_at } : {}),
  };
}

const failCode = (code: number): string => `Image cannot be imported. Error code: '${code}'`;

async function runImport(cfg: ImagesConfig, state: ImagesState, t: EmulatedTask): Promise<void> {
  const finish = (status: string, message: string): void => {
    t.status = status;
    t.message = message;
    t.updated_at = now();
    t.expires_at = new Date(Date.now() + 48 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  };
  const props = t.input.image_properties ?? {};
  if (Object.keys(props).some((k) => k !== 'name')) return finish('failure', 'Unsupported element in image_properties, please consult the documentation.');
  const from = t.input.import_from ?? '';
  const slash = from.indexOf('/');
  const url = `${cfg.swiftStorageUrl()}/${from.slice(0, slash)}/${from.slice(slash + 1).split('/').map(encodeURIComponent).join('/')}`;
  const head = slash > 0 ? await fetch(url, { method: 'HEAD', headers: { 'X-Auth-Token': t.token } }) : undefined;
  if (head === undefined || head.status !== 200) return finish('failure', 'Error: Image not found for import. Possible invalid location');
  if (state.fail396 > 0) {
    state.fail396 -= 1;
    return finish('failure', failCode(396));
  }
  const size = Number(head.headers.get('content-length'));
  const tail = size >= 512 ? Buffer.from(await (await fetch(url, { headers: { 'X-Auth-Token': t.token, Range: 'bytes=-512' } })).arrayBuffer()) : Buffer.alloc(0);
  const f = parseFooter(tail);
  if (!f.cookieOk || !f.checksumOk) return finish('failure', failCode(396));
  if (f.diskType === 4) return finish('failure', failCode(721));
  if (f.diskType !== 2 && f.diskType !== 3) return finish('failure', failCode(523));
  if (f.zeroUuid) return finish('failure', failCode(614));
  if (f.currentSize > BigInt(cfg.limitBytes)) return finish('failure', failCode(413));
  if (size > cfg.limitBytes) return finish('failure', failCode(609));
  const id = randomUUID();
  state.images.set(id, {
    id, name: String(props.name ?? ''), status: 'active', visibility: 'private', protected: false, tags: [], disk_format: 'vhd', container_format: 'ovf',
    image_type: 'import', os_type: 'linux', auto_disk_config: 'False', min_disk: Math.ceil(Number(f.currentSize) / 2 ** 30), min_ram: 0,
    owner: cfg.tenantId, user_id: '172157', size, checksum: 'not-the-vhd-md5', created_at: now(), updated_at: now(),
    self: `/v2/images/${id}`, file: `/v2/images/${id}/file`, schema: '/v2/schemas/image',
  });
  t.result = { image_id: id };
  finish('success', cfg.emptyMessage);
}

function authorized(state: ImagesState, req: IncomingMessage): string | undefined {
  const token = req.headers['x-auth-token'];
  return typeof token === 'string' && state.validTokens().has(token) ? token : undefined;
}

export function imagesHandler(cfg: ImagesConfig, state: ImagesState) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').replace(/\?.*$/, '');
    const entry: LoggedRequest = { method: req.method ?? '', path };
    state.log.push(entry);
    if (applyFault(state.faults, req, res)) return;
    const token = authorized(state, req);
    if (token === undefined) return sendJson(res, 401, { unauthorized: { code: 401, message: 'Authentication required' } });
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && path === '/v2/tasks') {
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(res, 415, { message: 'Unsupported media type' });
      let body: { type?: string; input?: EmulatedTask['input'] };
      try {
        body = JSON.parse((await readBody(req)).toString('utf8')) as typeof body;
      } catch {
        return sendJson(res, 400, { message: 'Malformed JSON' });
      }
      if (!body.type || !['import', 'export'].includes(body.type) || typeof body.input !== 'object' || body.input === null) return sendJson(res, 400, { message: 'Invalid task body' });
      const t: EmulatedTask = { id: randomUUID(), status: 'pending', message: cfg.emptyMessage, input: body.input, token, polls: 0, created_at: now(), updated_at: now() };
      state.tasks.set(t.id, t);
      state.created.push({ importFrom: body.input.import_from, properties: body.input.image_properties });
      return sendJson(res, 201, taskView(t, cfg.tenantId), { Location: `/v2/tasks/${t.id}` });
    }
    if ((m = /^\/v2\/tasks\/([^/]+)$/.exec(path))) {
      const t = state.tasks.get(m[1]!);
      if (t === undefined) return sendJson(res, 404, { message: 'Task not found' });
      if (req.method === 'DELETE') return sendJson(res, 405, { message: 'Method not allowed' });
      if (req.method !== 'GET') return sendJson(res, 405, {});
      if (t.status === 'pending') t.status = 'processing';
      else if (t.status === 'processing' && ++t.polls >= cfg.processingPolls) await runImport(cfg, state, t);
      return sendJson(res, 200, taskView(t, cfg.tenantId));
    }
    if ((m = /^\/v2\/images\/([^/]+)$/.exec(path))) {
      const image = state.images.get(m[1]!);
      if (image === undefined) return sendJson(res, 404, { message: 'Image not found' });
      if (req.method === 'GET') return sendJson(res, 200, image);
      if (req.method === 'DELETE') {
        if (image.protected === true) return sendJson(res, 403, { message: 'Image is protected' });
        state.images.delete(m[1]!);
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'PATCH') return patchImage(req, res, image);
    }
    sendJson(res, 404, { message: `no route ${req.method} ${path}` });
  };
}

async function patchImage(req: IncomingMessage, res: ServerResponse, image: Record<string, unknown>): Promise<void> {
  if (!PATCH_TYPES.includes(req.headers['content-type'] ?? '')) return sendJson(res, 415, { message: 'Unsupported media type' }, { 'Accept-Patch': PATCH_TYPES.join(', ') });
  const ops = JSON.parse((await readBody(req)).toString('utf8')) as Array<{ op: string; path: string; value?: unknown }>;
  const next = { ...image };
  for (const op of ops) {
    const key = op.path.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
    if (RESTRICTED.has(key) || key.startsWith('com.rackspace')) return sendJson(res, 403, { message: `Attribute '${key}' is read-only.` });
    if (op.op !== 'remove' && typeof op.value !== 'string') return sendJson(res, 400, { message: `Invalid value for ${key}` });
    // Icehouse Glance: add of an existing key and replace/remove of a missing one are 409 (§4.4).
    if (op.op === 'add' && key in next) return sendJson(res, 409, { message: `Property ${key} already present.` });
    if ((op.op === 'replace' || op.op === 'remove') && !(key in next)) return sendJson(res, 409, { message: `Property ${key} does not exist.` });
    if (op.op === 'remove') delete next[key];
    else next[key] = op.value;
  }
  Object.assign(image, next);
  for (const key of Object.keys(image)) if (!(key in next)) delete image[key];
  sendJson(res, 200, image);
}

/** Cloud Servers: POST /v2/{tenant}/images/{id}/metadata merges (§6.3). */
export function computeHandler(cfg: { tenantId: string }, state: ImagesState & { computeLog: LoggedRequest[]; computeFaults: Fault[] }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').replace(/\?.*$/, '');
    state.computeLog.push({ method: req.method ?? '', path });
    if (applyFault(state.computeFaults, req, res)) return;
    if (authorized(state, req) === undefined) return sendJson(res, 401, { unauthorized: { code: 401, message: 'This server could not verify that you are authorized' } });
    const m = new RegExp(`^/v2/${cfg.tenantId}/images/([^/]+)/metadata$`).exec(path);
    const image = m ? state.images.get(m[1]!) : undefined;
    if (m === null || req.method !== 'POST') return sendJson(res, 404, { itemNotFound: { code: 404, message: 'Not found' } });
    if (image === undefined) return sendJson(res, 404, { itemNotFound: { code: 404, message: 'Image not found.' } });
    const body = JSON.parse((await readBody(req)).toString('utf8')) as { metadata?: Record<string, unknown> };
    const meta = body.metadata ?? {};
    for (const [key, value] of Object.entries(meta)) {
      if (typeof value !== 'string') return sendJson(res, 400, { badRequest: { code: 400, message: `Invalid metadata value for ${key}` } });
      if (RESTRICTED.has(key) || key.startsWith('com.rackspace')) return sendJson(res, 403, { forbidden: { code: 403, message: `Not allowed to modify ${key}` } });
    }
    Object.assign(image, meta);
    sendJson(res, 200, { metadata: Object.fromEntries(Object.entries(image).filter(([, v]) => typeof v === 'string')) });
  };
}
