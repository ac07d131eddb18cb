// A pass-through proxy in front of the real Swift, so tests can count requests, inject faults
// (503 + Retry-After, 401, a dead segment) and serve the account as `MossoCloudFS_…` the way
// Rackspace's catalog does (rackspace.md §1.3, trap 2) while Swift itself knows it as AUTH_test.
import { request as httpRequest } from 'node:http';
import { applyFault, listen, type Fault, type Listening, type LoggedRequest } from './http-util.js';

export interface SwiftProxy extends Listening {
  /** The storage URL clients should use (`…/v1/MossoCloudFS_…`). */
  storageUrl: string;
  log: LoggedRequest[];
  faults: Fault[];
  /** Requests matching one of these are held unanswered (until close): a client stuck mid-upload. */
  stalls: Array<{ method?: string; path: RegExp }>;
  /** The next `times` PUT bodies matching `path` reach Swift with their first byte flipped. */
  corruptions: Array<{ path: RegExp; times: number }>;
}

export async function startSwiftProxy(swiftStorageUrl: string, alias = 'MossoCloudFS_9c24e3db-52bf-4f26-8dc1-220871796e9f'): Promise<SwiftProxy> {
  const upstream = new URL(swiftStorageUrl);
  const realAccount = upstream.pathname.replace(/^\/v1\//, '');
  const log: LoggedRequest[] = [];
  const faults: Fault[] = [];
  const stalls: SwiftProxy['stalls'] = [];
  const corruptions: SwiftProxy['corruptions'] = [];
  const listening = await listen((req, res) => {
    const entry: LoggedRequest = { method: req.method ?? '', path: decodeURIComponent((req.url ?? '').replace(/\?.*$/, '')) };
    log.push(entry);
    if (applyFault(faults, req, res)) {
      entry.status = res.statusCode;
      return;
    }
    if (stalls.some((st) => (st.method === undefined || st.method === entry.method) && st.path.test(entry.path))) return;
    const path = (req.url ?? '').replace(`/v1/${alias}`, `/v1/${realAccount}`);
    const headers = { ...req.headers, host: upstream.host };
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers }, (up) => {
      entry.status = up.statusCode;
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    const corrupt = req.method === 'PUT' ? corruptions.find((c) => c.times > 0 && c.path.test(entry.path)) : undefined;
    if (corrupt === undefined) {
      req.pipe(out);
      return;
    }
    corrupt.times -= 1;
    let first = true;
    req.on('data', (chunk: Buffer) => {
      if (first && chunk.length > 0) {
        chunk[0] = chunk[0]! ^ 0xff;
        first = false;
      }
      out.write(chunk);
    });
    req.on('end', () => out.end());
  });
  return { ...listening, storageUrl: `${listening.url}/v1/${alias}`, log, faults, stalls, corruptions };
}
