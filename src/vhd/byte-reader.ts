// Forward-only reads of exact byte counts from an async byte stream (an HTTP body, a pipe).

export class ByteReader {
  #it: AsyncIterator<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #at = 0;
  #done = false;
  /** Bytes consumed so far: the absolute offset of the next byte. */
  position = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async #more(): Promise<boolean> {
    while (this.#at >= this.#chunk.length) {
      if (this.#done) return false;
      const r = await this.#it.next();
      if (r.done) {
        this.#done = true;
        return false;
      }
      this.#chunk = r.value;
      this.#at = 0;
    }
    return true;
  }

  /** Fills `into` completely; returns how many bytes it got (less only at the end of the stream). */
  async read(into: Uint8Array): Promise<number> {
    let got = 0;
    while (got < into.length && (await this.#more())) {
      const n = Math.min(into.length - got, this.#chunk.length - this.#at);
      into.set(this.#chunk.subarray(this.#at, this.#at + n), got);
      this.#at += n;
      got += n;
    }
    this.position += got;
    return got;
  }

  /** Discards bytes up to absolute offset `to`; returns false if the stream ended first. */
  async skipTo(to: number): Promise<boolean> {
    while (this.position < to) {
      if (!(await this.#more())) return false;
      const n = Math.min(to - this.position, this.#chunk.length - this.#at);
      this.#at += n;
      this.position += n;
    }
    return true;
  }

  /** Reads to the end, keeping only the last `keep` bytes (bounded memory). */
  async tail(keep: number): Promise<Buffer> {
    let last = Buffer.alloc(0);
    while (await this.#more()) {
      const piece = this.#chunk.subarray(this.#at);
      this.#at = this.#chunk.length;
      this.position += piece.length;
      last = Buffer.concat([last, piece]);
      if (last.length > keep) last = Buffer.from(last.subarray(last.length - keep));
    }
    return last;
  }
}
