// A TLS pass-through in front of the lab host that drops a download mid-stream: the network
// failing under an export. It presents the lab's own certificate (so a client pinning the lab's
// fingerprint connects as usual), reads each request line, and once a request for `path` has
// been answered with `cutAfter` bytes, destroys both sides of that connection without a close.
import { connect as tlsConnect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { RunningLab } from '../../../src/lab/index.js';

export interface CutProxy {
  url: string;
  /** Requests cut so far (their request lines). */
  cut: string[];
  close(): Promise<void>;
}

export async function startCutProxy(lab: RunningLab, path: string, cutAfter: number): Promise<CutProxy> {
  const certificate = lab.certificate;
  if (certificate === undefined) throw new Error('cut proxy: the lab runs over plain HTTP');
  const upstream = new URL(lab.url);
  const cut: string[] = [];
  const sockets = new Set<TLSSocket>();
  const server = createServer({ cert: certificate.cert, key: certificate.key }, (client) => {
    const lab = tlsConnect({ host: upstream.hostname, port: Number(upstream.port), ca: certificate.cert });
    sockets.add(client).add(lab);
    const drop = () => {
      client.destroy();
      lab.destroy();
    };
    client.on('error', drop).on('close', drop);
    lab.on('error', drop).on('close', drop);
    let watching: string | undefined;
    let sent = 0;
    let dead = false;
    client.on('data', (chunk: Buffer) => {
      const line = /^(GET|PUT|POST) (\S+)/m.exec(chunk.toString('latin1'));
      if (line?.[2]?.startsWith(path)) {
        watching = `${line[1]} ${line[2].replace(/session_id=[^&]*/, 'session_id=…')}`;
        sent = 0;
      }
      lab.write(chunk);
    });
    lab.on('data', (chunk: Buffer) => {
      if (dead) return;
      if (watching !== undefined && sent + chunk.length >= cutAfter) {
        dead = true;
        lab.pause();
        client.write(chunk.subarray(0, Math.max(0, cutAfter - sent)), () => {
          cut.push(watching!);
          drop();
        });
        watching = undefined;
        return;
      }
      if (watching !== undefined) sent += chunk.length;
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, upstream.hostname, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${upstream.hostname}:${port}`,
    cut,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
