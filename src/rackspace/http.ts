// One HTTP call to a Rackspace service, with the retry rules every caller needs:
// backoff on 5xx/408/429/498 and network timeouts, Retry-After honoured, a 413 read as rate limiting
// on the JSON APIs (rackspace.md §7 trap 17), and one re-authentication on 401 per request (trap 16).
import type { Readable } from 'node:stream';
import { IngotError } from '../errors/index.js';
import { streamRequest } from './stream-put.js';

/** Where a request gets its X-Auth-Token; `refresh` forces a new one after a 401. */
export interface TokenSource {
  token(): Promise<string>;
  refresh(): Promise<string>;
}

export interface RetryPolicy {
  /** Tries per request, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is capped (a server asking for an hour is waited on in steps). */
  maxRetryAfterMs: number;
  /** Per-try timeout for JSON calls, covering the request and the response. */
  timeoutMs: number;
  /** File uploads can take long: they fail only when nothing moves on the socket for this long. */
  idleTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000, maxRetryAfterMs: 300_000, timeoutMs: 300_000, idleTimeoutMs: 120_000 };

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  /** What the call is for, named in errors: "create container images". */
  what: string;
  headers?: Record<string, string>;
  /** A small body (JSON); files go through bodySource. */
  body?: string;
  /** A body re-opened for every try (a file range streamed from disk), sent with its length. */
  bodySource?: { length: number; open(): Readable };
  /** Statuses that are answers, not failures (others throw after retries). */
  ok: readonly number[];
  auth?: TokenSource;
  /** Identity, Images and Compute answer 413 for rate limits; Swift means "too large". */
  rateLimit413?: boolean;
  /** Extra statuses worth another try (422 on a segment PUT: bytes damaged in transit). */
  retryOn?: readonly number[];
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface HttpClient {
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** Called before each retry, so the CLI can say why it waits. */
  onRetry?: (info: { what: string; attempt: number; delayMs: number; reason: string }) => void;
}

const TRANSIENT = new Set([408, 429, 498, 500, 502, 503, 504]);

/** Parses Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + Math.random() * (exp / 2)); // half jitter: spread, never zero
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function wrap(status: number, headers: Headers, body: Buffer): HttpResponse {
  return {
    status,
    headers,
    body,
    text: () => body.toString('utf8'),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}

/** The URL without its query, for messages (queries here carry no secrets, but keep lines short). */
export function describeUrl(url: string): string {
  return url.replace(/\?.*$/, '');
}

function failure(req: HttpRequest, res: HttpResponse): IngotError {
  const excerpt = res.text().replace(/\s+/g, ' ').trim().slice(0, 300);
  const found = `${res.status}${excerpt ? `: ${excerpt}` : ''}`;
  const hint =
    res.status === 401 ? 'The token was refused even after re-authenticating; check the account has access to this service and region.'
    : res.status === 403 ? 'The account lacks the role this needs (Cloud Images tasks and metadata need an admin role: identity:user-admin, admin or cloudImages:admin).'
    : res.status === 404 ? 'The resource is not there; check the region and names.'
    : res.status >= 500 || TRANSIENT.has(res.status) ? 'The service kept failing after retries; try again later.'
    : 'See the service message above.';
  return new IngotError('RAX_HTTP_FAILED', `${req.what}: ${req.method} ${describeUrl(req.url)} expected ${req.ok.join('/')}, got ${found}`, {
    hint,
    details: { status: res.status, method: req.method, url: describeUrl(req.url) },
  });
}

/** Sends a request, retrying what is worth retrying; returns only an `ok` status, else throws IngotError. */
export async function request(client: HttpClient, req: HttpRequest): Promise<HttpResponse> {
  const policy = client.retry;
  let reauthed = false;
  for (let attempt = 1; ; attempt += 1) {
    const headers: Record<string, string> = { ...req.headers };
    if (req.auth) headers['X-Auth-Token'] = await req.auth.token();
    const timeout = AbortSignal.timeout(req.bodySource === undefined ? policy.timeoutMs : 2 ** 31 - 1);
    const signal = client.signal ? AbortSignal.any([client.signal, timeout]) : timeout;
    let res: HttpResponse | undefined;
    let reason = '';
    let delay: number | undefined;
    try {
      if (req.bodySource !== undefined) {
        headers['Content-Length'] = String(req.bodySource.length);
        const r = await streamRequest(req.url, req.method, headers, req.bodySource.open(), signal, policy.idleTimeoutMs);
        res = wrap(r.status, r.headers, r.body);
      } else {
        const r = await fetch(req.url, { method: req.method, headers, ...(req.body === undefined ? {} : { body: req.body }), signal });
        res = wrap(r.status, r.headers, Buffer.from(await r.arrayBuffer()));
      }
    } catch (error) {
      if (client.signal?.aborted) throw client.signal.reason;
      reason = timeout.aborted ? `no answer within ${policy.timeoutMs / 1000} s` : `${(error as Error).message}${(error as { cause?: Error }).cause ? ` (${(error as { cause: Error }).cause.message})` : ''}`;
      if (attempt >= policy.attempts) {
        throw new IngotError('RAX_HTTP_FAILED', `${req.what}: ${req.method} ${describeUrl(req.url)} failed after ${attempt} tries: ${reason}`, {
          hint: 'Check the network path to the service (and that --servicenet is only used from inside Rackspace).',
          cause: error,
        });
      }
    }
    if (res !== undefined) {
      if (req.ok.includes(res.status)) return res;
      if (res.status === 401 && req.auth && !reauthed) {
        // One new token per request: a token can expire mid-upload (trap 16); a second 401 is real.
        reauthed = true;
        await req.auth.refresh();
        attempt -= 1;
        continue;
      }
      const retryable = TRANSIENT.has(res.status) || (res.status === 413 && req.rateLimit413 === true) || (req.retryOn ?? []).includes(res.status);
      if (!retryable || attempt >= policy.attempts) throw failure(req, res);
      reason = `status ${res.status}`;
      delay = retryAfterMs(res.headers.get('retry-after'));
    }
    const wait = Math.max(backoffMs(policy, attempt), Math.min(delay ?? 0, policy.maxRetryAfterMs));
    client.onRetry?.({ what: req.what, attempt, delayMs: wait, reason });
    await sleep(wait, client.signal);
  }
}
