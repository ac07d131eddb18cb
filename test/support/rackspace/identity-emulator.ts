// Rackspace Identity v2.0 emulator (rackspace.md §6.1): POST /v2.0/tokens with an API key or a
// password; the token it hands out is a real tempauth token, so the loopback Swift accepts it.
// The catalog carries the decoys a naive client falls for: the region-less legacy `cloudServers`
// compute entry, a `MossoCloudFS_` storage account unlike the token's tenant, an unrelated service.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyFault, readBody, sendJson, type Fault, type LoggedRequest } from './http-util.js';

export interface IdentityConfig {
  username: string;
  apiKey: string;
  password: string;
  tenantId: string;
  region: string;
  /** Gets a token Swift accepts (tempauth v1.0). */
  swiftToken: () => Promise<string>;
  storageUrl: () => string;
  imagesUrl: () => string;
  computeUrl: () => string;
  /** Token lifetime written into `expires` (default 24 h). */
  tokenLifeMs: number;
  /** Emit `expires` with an offset (`-05:00`) instead of `Z`, as mimic does (trap 5). */
  offsetExpires: boolean;
}

export interface IdentityState {
  issued: string[];
  faults: Fault[];
  log: LoggedRequest[];
}

function expires(lifeMs: number, offset: boolean): string {
  const at = new Date(Date.now() + lifeMs);
  if (!offset) return at.toISOString();
  const local = new Date(at.getTime() - 5 * 3600_000).toISOString().replace('Z', '');
  return `${local}-05:00`;
}

export function catalog(cfg: IdentityConfig): unknown[] {
  const r = cfg.region;
  const compute = cfg.computeUrl();
  return [
    { name: 'cloudFilesCDN', type: 'rax:object-cdn', endpoints: [{ region: r, tenantId: 'MossoCloudFS_cdn', publicURL: 'http://127.0.0.1:9/v1/cdn' }] },
    { name: 'cloudServers', type: 'compute', endpoints: [{ tenantId: cfg.tenantId, publicURL: 'http://127.0.0.1:9/v1.0/legacy', versionInfo: 'http://127.0.0.1:9/v1.0', versionList: 'http://127.0.0.1:9/', versionId: '1.0' }] },
    { name: 'cloudFiles', type: 'object-store', endpoints: [
      { region: 'ORD', tenantId: 'MossoCloudFS_other', publicURL: 'http://127.0.0.1:9/v1/MossoCloudFS_other', internalURL: 'http://127.0.0.1:9/v1/MossoCloudFS_other' },
      { region: r, tenantId: cfg.storageUrl().replace(/.*\/v1\//, ''), publicURL: cfg.storageUrl(), internalURL: 'http://127.0.0.1:9/v1/snet' },
    ] },
    { name: 'cloudImages', type: 'image', endpoints: [{ region: r, tenantId: cfg.tenantId, publicURL: cfg.imagesUrl() }] },
    { name: 'cloudServersOpenStack', type: 'compute', endpoints: [{ region: r, tenantId: cfg.tenantId, publicURL: `${compute}/v2/${cfg.tenantId}`, versionInfo: `${compute}/v2`, versionList: `${compute}/`, versionId: '2' }] },
  ];
}

const BAD_BODY = { badRequest: { code: 400, message: 'Invalid JSON request body' } };
const UNAUTHORIZED = { unauthorized: { code: 401, message: 'Unable to authenticate user with credentials provided.' } };

export function identityHandler(cfg: IdentityConfig, state: IdentityState) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const entry: LoggedRequest = { method: req.method ?? '', path: req.url ?? '' };
    state.log.push(entry);
    if (applyFault(state.faults, req, res)) return;
    if (req.method !== 'POST' || !/^\/v2\.0\/tokens\/?$/.test(entry.path)) return sendJson(res, 404, { itemNotFound: { code: 404, message: 'Resource not found' } });
    let body: { auth?: Record<string, unknown> };
    try {
      body = JSON.parse((await readBody(req)).toString('utf8')) as typeof body;
    } catch {
      return sendJson(res, 400, BAD_BODY);
    }
    const auth = body.auth ?? {};
    const apiKey = auth['RAX-KSKEY:apiKeyCredentials'] as { username?: string; apiKey?: string } | undefined;
    const password = auth.passwordCredentials as { username?: string; password?: string } | undefined;
    if (auth.tenantId !== undefined && auth.tenantName !== undefined) return sendJson(res, 400, BAD_BODY);
    if (apiKey === undefined && password === undefined) return sendJson(res, 400, BAD_BODY);
    const ok = apiKey !== undefined
      ? apiKey.username === cfg.username && apiKey.apiKey === cfg.apiKey
      : password?.username === cfg.username && password?.password === cfg.password;
    if (!ok) return sendJson(res, 401, UNAUTHORIZED);
    if ((auth.tenantId ?? auth.tenantName ?? cfg.tenantId) !== cfg.tenantId) {
      return sendJson(res, 401, { unauthorized: { code: 401, message: `Tenant with Name/Id: '${String(auth.tenantId ?? auth.tenantName)}' is not valid for User '${cfg.username}' (id: '172157')` } });
    }
    const token = await cfg.swiftToken();
    state.issued.push(token);
    sendJson(res, 200, {
      access: {
        token: { id: token, expires: expires(cfg.tokenLifeMs, cfg.offsetExpires), tenant: { id: cfg.tenantId, name: cfg.tenantId }, 'RAX-AUTH:authenticatedBy': [apiKey ? 'APIKEY' : 'PASSWORD'] },
        serviceCatalog: catalog(cfg),
        user: {
          id: '172157',
          name: cfg.username,
          roles: [
            { id: '5', name: 'object-store:default', tenantId: 'MossoCloudFS_x' },
            { id: '3', name: 'identity:user-admin', description: 'User Admin Role.' },
          ],
          'RAX-AUTH:defaultRegion': cfg.region,
          'RAX-AUTH:domainId': cfg.tenantId,
        },
      },
    });
  };
}
