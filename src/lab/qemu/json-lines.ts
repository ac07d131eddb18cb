// A unix-socket connection that speaks newline-delimited JSON, the framing QMP and the QEMU guest
// agent share (docs/interop/qmp-spec.rst in QEMU's source: one JSON object per line).
import { connect, type Socket } from 'node:net';

export type JsonObject = Record<string, unknown>;

export class JsonLines {
  readonly #socket: Socket;
  #buffer = '';
  #listeners = new Set<(message: JsonObject) => void>();
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#receive(chunk));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    // Errors after connecting end in 'close'; callers learn of them through `closed`.
    socket.on('error', () => {});
  }

  /** Connects, or rejects with the socket error (ENOENT, ECONNREFUSED) within `timeoutMs`. */
  static open(path: string, timeoutMs: number): Promise<JsonLines> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connecting to ${path} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new JsonLines(socket));
      });
    });
  }

  #receive(chunk: string): void {
    this.#buffer += chunk;
    let nl: number;
    while ((nl = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, nl).trim();
      this.#buffer = this.#buffer.slice(nl + 1);
      // The agent may emit a 0xFF sentinel or blank lines around guest-sync (qga docs); skip
      // anything that is not a JSON object.
      const start = line.indexOf('{');
      if (start < 0) continue;
      let message: unknown;
      try {
        message = JSON.parse(line.slice(start));
      } catch {
        continue; // a partial line left from an earlier, abandoned exchange
      }
      if (message !== null && typeof message === 'object') for (const l of this.#listeners) l(message as JsonObject);
    }
  }

  /** Calls `listener` for every message; returns the function that stops it. */
  listen(listener: (message: JsonObject) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Waits for the first message `match` accepts, or rejects after `timeoutMs` or on close. */
  next(match: (message: JsonObject) => boolean, timeoutMs: number, what: string): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      const done = (fn: () => void): void => {
        clearTimeout(timer);
        stop();
        fn();
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`))), timeoutMs);
      const stop = this.listen((m) => {
        if (match(m)) done(() => resolve(m));
      });
      void this.closed.then(() => done(() => reject(new Error(`${what}: the connection closed`))));
    });
  }

  send(message: JsonObject): void {
    this.#socket.write(`${JSON.stringify(message)}\n`);
  }

  close(): void {
    this.#socket.destroy();
  }
}
