// Small helpers shared by the emulators: body reading, JSON answers, listening on 127.0.0.1:0.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export interface Listening {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function listen(handler: RequestListener): Promise<Listening> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A fault the tests arm: answer `status` to the next `times` requests that match. */
export interface Fault {
  method?: string;
  path: RegExp;
  status: number;
  times: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Applies the first armed fault matching this request; true when it answered. */
export function applyFault(faults: Fault[], req: IncomingMessage, res: ServerResponse): boolean {
  const fault = faults.find((f) => f.times > 0 && (f.method === undefined || f.method === req.method) && f.path.test(req.url ?? ''));
  if (fault === undefined) return false;
  fault.times -= 1;
  req.resume();
  sendJson(res, fault.status, fault.body ?? { error: { code: fault.status, message: 'injected fault' } }, fault.headers);
  return true;
}

export interface LoggedRequest {
  method: string;
  path: string;
  status?: number;
}
