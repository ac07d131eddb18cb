// The retry rules every Rackspace call shares (rackspace.md §2.6, traps 16, 17), against a local
// HTTP server on 127.0.0.1:0.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isIngotError } from '../../../src/errors/index.js';
import { FileRange } from '../../../src/rackspace/file-range.js';
import { DEFAULT_RETRY, request, retryAfterMs, type HttpClient, type TokenSource } from '../../../src/rackspace/http.js';
import { listen, type Listening } from '../../support/rackspace/http-util.js';

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const client = (over: Partial<HttpClient> = {}): HttpClient & { waits: number[] } => {
  const waits: number[] = [];
  return { retry: { ...DEFAULT_RETRY, baseDelayMs: 10, maxDelayMs: 50, attempts: 3, timeoutMs: 2000 }, onRetry: (i) => waits.push(i.delayMs), waits, ...over };
};

async function serve(answers: Array<(req: IncomingMessage, res: ServerResponse) => void>): Promise<{ url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  server = await listen((req, res) => {
    seen.push(req);
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    req.resume();
    answer(req, res);
  });
  return { url: server.url, seen };
}

const status = (code: number, headers: Record<string, string> = {}) => (_req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(code, headers).end(`status ${code}`);
};

describe('request retries', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('retries a 503 after the Retry-After it asks for', async () => {
    const { url, seen } = await serve([status(503, { 'Retry-After': '1' }), status(200)]);
    const c = client();
    const res = await request(c, { method: 'GET', url, what: 'test', ok: [200] });
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(c.waits[0]).toBeGreaterThanOrEqual(1000);
  });

  it('reads 413 as rate limiting on the JSON APIs', async () => {
    const { url, seen } = await serve([status(413, { 'Retry-After': '0' }), status(201)]);
    await request(client(), { method: 'POST', url, what: 'task', ok: [201], rateLimit413: true });
    expect(seen).toHaveLength(2);
  });

  it('takes a 413 from Swift as final: the object is too large', async () => {
    const { url, seen } = await serve([status(413)]);
    const refused = await request(client(), { method: 'PUT', url, what: 'upload big', ok: [201] }).catch((e: unknown) => e);
    expect(isIngotError(refused) && refused.message).toMatch(/upload big: PUT .* expected 201, got 413/);
    expect(seen).toHaveLength(1);
  });

  it('gives up after the configured attempts and says how often it tried', async () => {
    const { url, seen } = await serve([status(500)]);
    const error = await request(client(), { method: 'GET', url, what: 'read', ok: [200] }).catch((e: unknown) => e);
    expect(isIngotError(error) && error.code).toBe('RAX_HTTP_FAILED');
    expect(seen).toHaveLength(3);
  });

  it('retries a request that gets no answer within the timeout', async () => {
    const { url, seen } = await serve([() => {}, status(200)]);
    const res = await request(client({ retry: { ...DEFAULT_RETRY, attempts: 2, baseDelayMs: 10, timeoutMs: 300 } }), { method: 'GET', url, what: 'slow', ok: [200] });
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it('streams a file range with its length, and retries an upload that stalls past the idle timeout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ingot-http-'));
    const file = join(dir, 'data');
    const bytes = randomBytes(3 * 1024 * 1024 + 11);
    await writeFile(file, bytes);
    const received: Buffer[] = [];
    let calls = 0;
    server = await listen((req, res) => {
      calls += 1;
      if (calls === 1) return; // never reads, never answers: the socket goes idle
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Buffer.concat(chunks));
        res.writeHead(201, { 'Content-Length': '0' }).end();
      });
    });
    const range = new FileRange(file, 5, bytes.length - 5);
    const res = await request(client({ retry: { ...DEFAULT_RETRY, attempts: 3, baseDelayMs: 10, idleTimeoutMs: 1500 } }), { method: 'PUT', url: server.url, what: 'upload', ok: [201], bodySource: range });
    expect(res.status).toBe(201);
    expect(calls).toBeGreaterThanOrEqual(2); // the stalled try, then one that went through
    expect(received.at(-1)).toEqual(bytes.subarray(5));
    expect(range.md5).toBe(createHash('md5').update(bytes.subarray(5)).digest('hex'));
    await rm(dir, { recursive: true, force: true });
  });

  it('re-authenticates once on 401 and sends the new token', async () => {
    const { url, seen } = await serve([status(401), status(200)]);
    let n = 0;
    const auth: TokenSource = { token: async () => `token-${n}`, refresh: async () => `token-${++n}` };
    await request(client(), { method: 'GET', url, what: 'read', ok: [200], auth });
    expect(seen.map((r) => r.headers['x-auth-token'])).toEqual(['token-0', 'token-1']);
  });
});
