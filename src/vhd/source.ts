// Raw disk sources the writer reads twice: a random-access file, or any re-readable byte stream.
import { open } from 'node:fs/promises';
import { testBit } from './batmap.js';
import { BLOCK_SIZE } from './constants.js';
import { sharedSlot } from './content-hash.js';
import { dataBlockMap } from './sparse-map.js';

/** A raw disk image that can be read twice: by position (files) or from the start again (`open()`). */
export type RawSource =
  | {
      kind: 'random';
      size: number;
      readAt(buf: Buffer, length: number, position: number): Promise<number>;
      /** False when block i is known to be a hole (all zeros) without reading it. */
      mayHaveData?(i: number): boolean;
      close?(): Promise<void>;
    }
  | { kind: 'sequential'; size: number; open(): AsyncIterable<Uint8Array> };

/**
 * Opens a raw image file as a random-access source; call `close()` when done. With `holes: 'map'`
 * (default) the file system's hole map says which blocks need reading at all (sparse-map.ts).
 */
export async function openRawFile(path: string, opts: { holes?: 'map' | 'read'; signal?: AbortSignal } = {}): Promise<Extract<RawSource, { kind: 'random' }> & { close(): Promise<void> }> {
  const fh = await open(path, 'r');
  const { size } = await fh.stat();
  const map = opts.holes === 'read' ? undefined : await dataBlockMap(path, size, opts.signal).catch(() => undefined);
  return {
    kind: 'random',
    size,
    ...(map ? { mayHaveData: (i: number) => testBit(map, i) } : {}),
    async readAt(buf, length, position) {
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done;
    },
    close: () => fh.close(),
  };
}

/**
 * Yields the index of every 2 MiB block of the source in order, once its bytes are in the buffer
 * `buffer()` handed out for it (zero-padded past the end); a random-access source reads only the
 * blocks `want(i)` accepts. A short source is an error: the caller promised `size` bytes.
 */
export async function* readBlocks(source: RawSource, want: (i: number) => boolean, buffer: () => Buffer): AsyncGenerator<number> {
  const count = Math.ceil(source.size / BLOCK_SIZE);
  if (source.kind === 'random') {
    for (let i = 0; i < count; i++) {
      if (!want(i)) continue;
      const data = buffer();
      const length = Math.min(BLOCK_SIZE, source.size - i * BLOCK_SIZE);
      const got = await source.readAt(data, length, i * BLOCK_SIZE);
      if (got !== length) throw new SourceShortError(i * BLOCK_SIZE + got, source.size);
      if (length < BLOCK_SIZE) data.fill(0, length);
      yield i;
    }
    return;
  }
  let index = 0;
  let fill = 0;
  let total = 0;
  let data = buffer();
  for await (const chunk of source.open()) {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(BLOCK_SIZE - fill, chunk.length - at);
      data.set(chunk.subarray(at, at + n), fill);
      fill += n;
      at += n;
      total += n;
      if (total > source.size) throw new SourceShortError(total, source.size);
      if (fill === BLOCK_SIZE) {
        if (want(index)) yield index;
        index++;
        fill = 0;
        data = buffer();
      }
    }
  }
  if (total !== source.size) throw new SourceShortError(total, source.size);
  if (fill > 0) {
    data.fill(0, fill);
    if (want(index)) yield index;
  }
}

/** The source delivered a different number of bytes than it announced. */
export class SourceShortError extends Error {
  constructor(readonly got: number, readonly expected: number) {
    super(`raw source gave ${got} bytes, expected ${expected}`);
  }
}

/**
 * Random-access sources only: keeps up to `depth` reads of wanted blocks in flight and hands each
 * block to `use(i, slot)` strictly in index order (the next call waits for `use` to resolve).
 * `slot` is a (dataAt + 2 MiB)-byte buffer on shared memory whose block starts at `dataAt` (room
 * for a sector bitmap in front, say); it is refilled only after the `written` promise `use`
 * resolved with has settled.
 */
export async function readAhead(
  source: Extract<RawSource, { kind: 'random' }>,
  want: (i: number) => boolean,
  depth: number,
  dataAt: number,
  use: (i: number, slot: Buffer) => Promise<{ written: Promise<unknown> }>,
): Promise<void> {
  const count = Math.ceil(source.size / BLOCK_SIZE);
  const wanted: number[] = [];
  for (let i = 0; i < count; i++) if (want(i)) wanted.push(i);
  // Shared memory, so a block can be hashed in a worker without a copy (content-hash.ts).
  const slots = Array.from({ length: depth }, () => sharedSlot(dataAt + BLOCK_SIZE));
  const busy: Array<Promise<unknown>> = slots.map(() => Promise.resolve());
  const reads: Array<Promise<number>> = [];
  const start = (j: number): void => {
    const s = j % depth;
    const i = wanted[j] as number;
    const length = Math.min(BLOCK_SIZE, source.size - i * BLOCK_SIZE);
    const slot = slots[s] as Buffer;
    const read = (busy[s] as Promise<unknown>).then(() => source.readAt(slot.subarray(dataAt), length, i * BLOCK_SIZE));
    read.catch(() => undefined); // a failure surfaces when the loop below awaits this read
    reads[s] = read;
  };
  for (let j = 0; j < Math.min(depth, wanted.length); j++) start(j);
  try {
    for (let j = 0; j < wanted.length; j++) {
      const s = j % depth;
      const i = wanted[j] as number;
      const slot = slots[s] as Buffer;
      const length = Math.min(BLOCK_SIZE, source.size - i * BLOCK_SIZE);
      const got = await (reads[s] as Promise<number>);
      if (got !== length) throw new SourceShortError(i * BLOCK_SIZE + got, source.size);
      if (length < BLOCK_SIZE) slot.fill(0, dataAt + length);
      busy[s] = (await use(i, slot)).written; // use marks it handled; awaited via the next read or below
      if (j + depth < wanted.length) start(j + depth);
    }
  } finally {
    // Settle everything still in flight before the caller closes files; the first error wins.
    await Promise.allSettled([...busy, ...reads]);
  }
  await Promise.all(busy);
}
