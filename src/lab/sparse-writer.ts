// Writes a sequential byte stream into a sparse file, skipping all-zero blocks so thin stays thin,
// and refusing to allocate beyond a budget (the SR's free space) with SR_BACKEND_FAILURE_44.
import type { FileHandle } from 'node:fs/promises';
import { BLOCK, insufficientSpace } from './storage.js';

export class SparseWriter {
  #offset: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #budget: number;

  constructor(
    private readonly fh: FileHandle,
    budget: number,
    offset = 0,
  ) {
    this.#budget = budget;
    this.#offset = offset;
  }

  get offset(): number {
    return this.#offset + this.#pendingBytes;
  }

  async write(chunk: Buffer): Promise<void> {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    // Flush whole blocks aligned to the file's block grid.
    const aligned = Math.floor((this.#offset + this.#pendingBytes) / BLOCK) * BLOCK - this.#offset;
    if (aligned > 0) await this.#flush(aligned);
  }

  async finish(): Promise<void> {
    if (this.#pendingBytes > 0) await this.#flush(this.#pendingBytes);
  }

  async #flush(bytes: number): Promise<void> {
    const all = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#pendingBytes);
    const now = all.subarray(0, bytes);
    const rest = all.subarray(bytes);
    this.#pending = rest.length > 0 ? [Buffer.from(rest)] : [];
    this.#pendingBytes = rest.length;
    // Consecutive non-zero blocks go out in one write: fewer syscalls for dense data.
    let runStart = -1;
    let pos = 0;
    while (pos < now.length) {
      const end = Math.min(now.length, pos + (BLOCK - ((this.#offset + pos) % BLOCK)));
      if (isZero(now.subarray(pos, end))) {
        if (runStart >= 0) await this.#write(now.subarray(runStart, pos), runStart);
        runStart = -1;
      } else {
        this.#budget -= BLOCK;
        if (this.#budget < 0) throw insufficientSpace();
        if (runStart < 0) runStart = pos;
      }
      pos = end;
    }
    if (runStart >= 0) await this.#write(now.subarray(runStart), runStart);
    this.#offset += now.length;
  }

  async #write(data: Buffer, at: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, this.#offset + at + done);
      done += bytesWritten;
    }
  }
}

export function isZero(buf: Buffer): boolean {
  // Compare 8 bytes at a time where possible: imports are gigabytes of mostly zeros.
  const words = Math.floor(buf.length / 8);
  const view = new BigUint64Array(buf.buffer, buf.byteOffset, buf.byteOffset % 8 === 0 ? words : 0);
  for (const w of view) if (w !== 0n) return false;
  for (let i = view.length * 8; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
