// Small HTTP helpers shared by the RPC endpoints and the disk handlers.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reads a request body (RPC bodies are small; disk bodies are streamed elsewhere). */
export async function readBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parameters from the query string, with cookies winning for session_id and task_id (xapi.md §4.1). */
export function requestParams(req: IncomingMessage): URLSearchParams {
  const url = new URL(req.url ?? '/', 'http://lab');
  const params = new URLSearchParams(url.search);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if ((k === 'session_id' || k === 'task_id' || k === 'subtask_of') && v.length > 0) params.set(k, decodeURIComponent(v.join('=')));
  }
  return params;
}

/** An HTML error page, the way XAPI's HTTP server answers transport-level failures. */
export function htmlError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = `<html><body><h1>HTTP ${status}</h1>${message.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`)}</body></html>`;
  res.writeHead(status, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body), connection: 'close', ...headers });
  res.end(body);
}
