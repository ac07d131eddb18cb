// A byte range of a file as a stream that hashes what it reads: each upload try of a segment reads
// its bytes from disk once, MD5 on the way, so memory per segment in flight is a few read-ahead
// chunks instead of the whole segment (python-swiftclient streams the same way).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

/** Read size; with the stream's own buffering this is all a segment in flight holds. */
export const CHUNK = 1024 * 1024;

export class FileRange {
  #digest: string | undefined;

  /** `onSent` hears every chunk streamed for an upload (not the chunks `hash()` reads). */
  constructor(readonly file: string, readonly offset: number, readonly length: number, readonly onSent?: (bytes: number) => void) {}

  /** The MD5 of the bytes the last stream delivered, once it delivered the whole range. */
  get md5(): string | undefined {
    return this.#digest;
  }

  /** A fresh stream over the range; call once per try. */
  open(forUpload = true): Readable {
    this.#digest = undefined;
    const hash = createHash('md5');
    let seen = 0;
    const stream = createReadStream(this.file, { start: this.offset, end: this.offset + this.length - 1, highWaterMark: CHUNK });
    stream.on('data', (chunk) => {
      hash.update(chunk as Buffer);
      seen += (chunk as Buffer).length;
      if (forUpload) this.onSent?.((chunk as Buffer).length);
    });
    stream.on('end', () => {
      if (seen === this.length) this.#digest = hash.digest('hex');
      else stream.destroy(new Error(`${this.file} ended at byte ${this.offset + seen}, expected ${this.offset + this.length}: was it changed during the upload?`));
    });
    return stream;
  }

  /** Reads the range once just to hash it (resume: is the stored segment the same bytes?). */
  async hash(): Promise<string> {
    const stream = this.open(false);
    for await (const chunk of stream) void chunk; // the 'data' listener hashes
    if (this.#digest === undefined) throw new Error(`${this.file}: short read hashing bytes ${this.offset}–${this.offset + this.length}`);
    return this.#digest;
  }
}
