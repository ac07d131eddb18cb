// Where the one-pass file writer's blocks go: appended in order from the first block offset on,
// through O_DIRECT when the output allows it. Buffered writes cost a kernel copy into the page
// cache plus the final fsync's write-back: on the benchmark VM 3–6 s of system CPU for 2 GiB,
// against 0.3 s direct (docs/performance.md). Direct writes here must start and end on ALIGN
// file offsets AND start on a page boundary in memory (a write from memory merely 512-aligned ran
// 4–15× slower on the VM's virtio disk). Blocks are (512 + 2 MiB)-byte records at 512-byte
// offsets, so a record is read into its slot at HEADROOM + (its file offset mod ALIGN): then the
// previous record's unaligned tail (< ALIGN bytes, copied in front of it) and the record form one
// page-aligned run, written up to its last ALIGN boundary; the rest is the next tail. Bytes before
// the first boundary and after the last are written buffered with the header and the footer at
// the end. An EINVAL from a direct write (other alignment rules) switches to buffered writes.
import type { FileHandle } from 'node:fs/promises';

/** File offset and length alignment of direct writes (the usual file system block and page). */
export const ALIGN = 4096;
/** Room in front of a record for the previous record's tail. */
export const HEADROOM = ALIGN;
/** A slot holds HEADROOM, up to ALIGN − 512 bytes of shift, and a record. */
export const SLOT_SIZE = HEADROOM + ALIGN + 2 * 1024 * 1024;
/** Record bytes: the 512-byte sector bitmap and the 2 MiB block. */
const RECORD = 512 + 2 * 1024 * 1024;

type Writable = Pick<FileHandle, 'write'>;

export interface BlockSink {
  /** Offset where the next record (or the trailing footer) goes. */
  readonly position: number;
  /** True while records still go through O_DIRECT. */
  readonly direct: boolean;
  /**
   * Appends the record at slot[at, at + RECORD) (bitmap, then block). `slot` is SLOT_SIZE bytes
   * starting on a page (sharedSlot); the record is moved if `at` is not recordAt(position).
   * Call in order, without waiting for earlier writes. `written` settles when the slot may be
   * reused; `at` is where the record is now.
   */
  append(slot: Buffer, at: number): { written: Promise<void>; at: number };
  /** After every append settled: writes `head` at 0 and `footer` at `position`. */
  finish(head: Buffer, footer: Buffer): Promise<void>;
}

/** Where in its slot the record that goes to file offset `position` should be read. */
export const recordAt = (position: number): number => HEADROOM + (position % ALIGN);

/** `out` is the file opened for ordinary writes; `direct`, if any, the same file opened with O_DIRECT. */
export function openBlockSink(out: Writable, direct: Writable | undefined, firstBlock: number): BlockSink {
  const start = Math.ceil(firstBlock / ALIGN) * ALIGN;
  /** Bytes [firstBlock, start): written with the head. */
  const lead = Buffer.alloc(start - firstBlock);
  let leadFilled = false;
  /** Bytes not yet written, from `tailAt` (aligned) on. */
  let tail = Buffer.alloc(0);
  let tailAt = firstBlock;
  let position = firstBlock;
  let viaDirect = direct;

  const write = async (chunk: Buffer, at: number): Promise<void> => {
    const d = viaDirect;
    if (d) {
      try {
        return await writeAll(d, chunk, at);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
        viaDirect = undefined; // write the whole chunk again, buffered: same bytes at the same offsets
      }
    }
    await writeAll(out, chunk, at);
  };

  return {
    get position() {
      return position;
    },
    get direct() {
      return viaDirect !== undefined;
    },
    append(slot, at) {
      const want = recordAt(position);
      // A block read ahead was placed assuming the blocks before it all had data; one did not.
      if (at !== want) slot.copyWithin(want, at, at + RECORD);
      position += RECORD;
      let from = want;
      if (!leadFilled) {
        slot.copy(lead, 0, from, from + lead.length);
        from += lead.length;
        leadFilled = true;
        tailAt = start;
      } else {
        from -= tail.length;
        tail.copy(slot, from);
      }
      const end = want + RECORD;
      const length = Math.floor((end - from) / ALIGN) * ALIGN;
      const chunkAt = tailAt;
      tail = Buffer.from(slot.subarray(from + length, end));
      tailAt += length;
      return { written: write(slot.subarray(from, from + length), chunkAt), at: want };
    },
    async finish(head, footer) {
      await writeAll(out, Buffer.concat([tail, footer]), tailAt);
      await writeAll(out, Buffer.concat([head, leadFilled ? lead : Buffer.alloc(0)]), 0);
    },
  };
}

async function writeAll(fh: Writable, b: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < b.length) done += (await fh.write(b, done, b.length - done, position + done)).bytesWritten;
}
