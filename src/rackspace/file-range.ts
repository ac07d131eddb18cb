// A byte range of a file as a stream that hashes what it reads: each upload try of a segment reads
// its bytes from disk once, MD5 on the way, in 1 MiB chunks, so memory per segment in flight is a
// few chunks instead of the whole segment (python-swiftclient streams the same way).
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';

export const CHUNK = 1024 * 1024;

export class FileRange {
  #digest: string | undefined;

  constructor(readonly file: string, readonly offset: number, readonly length: number) {}

  /** The MD5 of the bytes the last stream delivered, once it reached the end. */
  get md5(): string | undefined {
    return this.#digest;
  }

  /** A fresh stream over the range; call once per try. */
  open(): ReadableStream<Uint8Array> {
    this.#digest = undefined;
    const { file, offset, length } = this;
    let hash: Hash;
    let position = 0;
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    return new ReadableStream<Uint8Array>({
      start: async () => {
        handle = await open(file, 'r');
        hash = createHash('md5');
      },
      pull: async (controller) => {
        if (position >= length) {
          await handle?.close();
          handle = undefined;
          this.#digest = hash.digest('hex');
          return controller.close();
        }
        // A new buffer per chunk: fetch may still hold the previous one while it is written.
        const want = Math.min(CHUNK, length - position);
        const buffer = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle!.read(buffer, 0, want, offset + position);
        if (bytesRead === 0) {
          await handle?.close();
          throw new Error(`${file} ended at byte ${offset + position}, expected ${offset + length}: was it changed during the upload?`);
        }
        const chunk = buffer.subarray(0, bytesRead);
        hash.update(chunk);
        position += bytesRead;
        controller.enqueue(chunk);
      },
      cancel: async () => {
        await handle?.close();
      },
    });
  }

  /** Reads the range once just to hash it (resume: is the stored segment the same bytes?). */
  async hash(): Promise<string> {
    const reader = this.open().getReader();
    while (!(await reader.read()).done) {
      // draining: the stream hashes as it reads
    }
    return this.#digest!;
  }
}
