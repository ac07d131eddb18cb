// The VHD writer's pass 1 as a value: which 2 MiB blocks hold data and, for deterministic output,
// the content digest behind the UUID (writer.ts scan). A reader that already sees every block in
// index order (the export path's VHD → raw) computes it on the way, so the writer can emit the
// VHD in file order straight away and its output can be hashed while it is written.
import { createHash, type Hash } from 'node:crypto';
import { BLOCK_SIZE } from './constants.js';
import { digestBlockIndex, digestPreamble } from './writer.js';

export interface Scanned {
  /** Bit i (MSB first) set: block i holds non-zero data. */
  alloc: Uint8Array;
  /** The deterministic-UUID digest, when asked for. */
  digest?: Buffer;
}

export class BlockScan {
  readonly #alloc: Uint8Array;
  readonly #hash: Hash | undefined;
  readonly #index = Buffer.alloc(8);
  #last = -1;

  constructor(size: number, deterministic: boolean) {
    this.#alloc = new Uint8Array(Math.ceil(Math.ceil(size / BLOCK_SIZE) / 8) + 1);
    this.#hash = deterministic ? createHash('sha256').update(digestPreamble(size)) : undefined;
  }

  /**
   * Block i holds non-zero data: its first `keep` bytes (the rest lies past the disk's end and
   * counts as zeros, as the writer pads it). False when blocks come out of index order: the
   * digest can no longer be the writer's, so the caller drops the scan.
   */
  add(i: number, data: Buffer, keep: number): boolean {
    if (i <= this.#last) return false;
    this.#last = i;
    this.#alloc[i >> 3] = (this.#alloc[i >> 3] ?? 0) | (0x80 >> (i & 7));
    if (this.#hash !== undefined) {
      this.#hash.update(digestBlockIndex(this.#index, i)).update(data.subarray(0, keep));
      if (keep < BLOCK_SIZE) this.#hash.update(Buffer.alloc(BLOCK_SIZE - keep));
    }
    return true;
  }

  result(): Scanned {
    return { alloc: this.#alloc, ...(this.#hash ? { digest: this.#hash.digest() } : {}) };
  }
}

const ZERO = Buffer.alloc(BLOCK_SIZE);

/**
 * Pass 1 without a digest (non-deterministic output, e.g. an upload), learnt from a raw file's
 * bytes in order as some other reader passes them by (the resolve stage's checksum).
 */
export class StreamAlloc {
  readonly #alloc: Uint8Array;
  #position = 0;

  constructor(readonly size: number) {
    this.#alloc = new Uint8Array(Math.ceil(Math.ceil(size / BLOCK_SIZE) / 8) + 1);
  }

  update(chunk: Buffer): void {
    for (let at = 0; at < chunk.length; ) {
      const block = Math.floor(this.#position / BLOCK_SIZE);
      const n = Math.min(chunk.length - at, BLOCK_SIZE - (this.#position % BLOCK_SIZE));
      const marked = ((this.#alloc[block >> 3] ?? 0) & (0x80 >> (block & 7))) !== 0;
      if (!marked && !chunk.subarray(at, at + n).equals(ZERO.subarray(0, n))) this.#alloc[block >> 3] = (this.#alloc[block >> 3] ?? 0) | (0x80 >> (block & 7));
      at += n;
      this.#position += n;
    }
  }

  /** Undefined when the bytes seen were not the whole file (it changed size meanwhile). */
  result(): Scanned | undefined {
    return this.#position === this.size ? { alloc: this.#alloc } : undefined;
  }
}
