// The deterministic UUID's SHA-256 (writer.ts, digestPreamble), computed in a
// worker thread so hashing overlaps the reads and writes instead of stalling them. Blocks travel
// as views on SharedArrayBuffer slots (sharedSlot): posting one shares the memory, nothing is
// copied. An earlier worker that received cloned 2 MiB buffers lost to the copying (2.2 s per GiB).
import { Worker } from 'node:worker_threads';

/** SHA-256 over the preamble, then (8-byte big-endian index, block) for every block added, in call order. */
export interface ContentHash {
  /** Queues block i; resolves once the worker has hashed it, so its memory may be reused. */
  add(i: number, block: Buffer): Promise<void>;
  /** The digest of everything added; call once, after the last add. */
  digest(): Promise<Buffer>;
  /** Stops the worker (idempotent); pending calls reject. */
  close(): Promise<void>;
}

/** A zeroed buffer on shared memory: blocks read into it reach the hash worker without a copy. */
export function sharedSlot(length: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(length));
}

// CommonJS, evaluated by the worker: a file next to this one would not exist when the TypeScript
// sources run under vitest, and the code is a few lines.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hash = createHash('sha256').update(workerData.preamble);
const index = Buffer.alloc(8);
parentPort.on('message', (m) => {
  if (m === 'digest') return parentPort.postMessage(hash.digest());
  index.writeBigUInt64BE(BigInt(m.i));
  hash.update(index).update(m.block);
  parentPort.postMessage(m.i);
});
`;

export function startContentHash(preamble: string): ContentHash {
  const worker = new Worker(WORKER, { eval: true, workerData: { preamble } });
  // Answers come back in the order requests went out; each settles the oldest waiter.
  const waiting: Array<{ resolve(v: unknown): void; reject(e: unknown): void }> = [];
  let failure: unknown;
  const fail = (e: unknown): void => {
    failure ??= e;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  worker.on('message', (m: unknown) => waiting.shift()?.resolve(m));
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the content hash worker exited (code ${code})`)));
  const ask = (message: unknown): Promise<unknown> => {
    if (failure !== undefined) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      worker.postMessage(message);
    });
  };
  let closed: Promise<void> | undefined;
  return {
    add: async (i, block) => void (await ask({ i, block })),
    digest: async () => Buffer.from((await ask('digest')) as Uint8Array),
    close: () => (closed ??= worker.terminate().then(() => undefined)),
  };
}
