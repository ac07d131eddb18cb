// Uploads a VHD to Cloud Files: one PUT when it fits in one segment, else an SLO whose segments go
// up in parallel (a bounded number in flight) and are verified by ETag. Resumable: what is already
// there with the right size and MD5 is kept, so a re-run after an interruption sends only what is
// missing or wrong. Each segment try streams its bytes from disk once, hashing on the way, so
// memory is a few MiB per segment in flight, whatever the segment size.
import { stat } from 'node:fs/promises';
import type { Report } from '../cli/events.js';
import { ensureContainer, headObject, putManifest, putObject, putStreamed, type SwiftContext } from './cloud-files.js';
import { FileRange } from './file-range.js';
import { planSegments, segments, type Segment, type UploadedSegment } from './slo.js';

export interface UploadOptions {
  file: string;
  container: string;
  object: string;
  /** Bytes; chosen automatically when absent. */
  segmentSize?: number;
  concurrency: number;
  report: Report;
}

export interface UploadResult {
  container: string;
  object: string;
  kind: 'single' | 'slo';
  size: number;
  /** Unquoted ETag of the object (for an SLO: md5 of the segment etags). */
  etag: string;
  segmentContainer?: string;
  segments: number;
  /** Segments (or the single object) actually sent in this run. */
  uploaded: number;
  /** Already present with the right MD5: not sent again. */
  kept: number;
  bytesSent: number;
  seconds: number;
}

/** The segment container next to the target, as swiftclient and Swiftly name it (§2.4). */
export function segmentContainerFor(container: string): string {
  return `${container}_segments`;
}

/** Runs `work` over `items` with at most `limit` in flight; the first failure stops new starts. */
export async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await work(items[i]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}

/** Bytes and MB/s as chunks go out; kept segments count as done but not as sent. */
class Progress {
  #done = 0;
  #sent = 0;
  #last = 0;
  readonly #start = Date.now();
  constructor(readonly total: number, readonly report: Report) {}
  sent(bytes: number): void {
    this.#sent += bytes;
    this.#done += bytes;
    this.#emit();
  }
  kept(bytes: number): void {
    this.#done += bytes;
    this.#emit();
  }
  /** A try that failed part-way: its bytes will be sent again. */
  retract(bytes: number): void {
    this.#done -= bytes;
  }
  finish(): void {
    this.#last = 0;
    this.#done = this.total;
    this.#emit();
  }
  #emit(): void {
    const now = Date.now();
    if (now - this.#last < 200 && this.#done < this.total) return;
    this.#last = now;
    const seconds = Math.max(0.001, (now - this.#start) / 1000);
    this.report({ event: 'progress', stage: 'upload', done: Math.min(this.#done, this.total), total: this.total, unit: 'bytes', rate: this.#sent / seconds });
  }
  get bytesSent(): number {
    return this.#sent;
  }
  get seconds(): number {
    return (Date.now() - this.#start) / 1000;
  }
}

/** A file range whose uploaded bytes feed the progress, taken back if the try fails. */
function tracked(progress: Progress, file: string, offset: number, length: number): FileRange {
  let inTry = 0;
  const range = new FileRange(file, offset, length, (n) => {
    inTry += n;
    if (inTry > length) {
      progress.retract(inTry - n); // a retry started: the earlier try's bytes were not the final ones
      inTry = n;
    }
    progress.sent(n);
  });
  return range;
}

export async function uploadVhd(ctx: SwiftContext, opts: UploadOptions): Promise<UploadResult> {
  const info = await stat(opts.file);
  const plan = planSegments(info.size, opts.segmentSize);
  const progress = new Progress(info.size, opts.report);
  await ensureContainer(ctx, opts.container);

  if (plan.single) {
    // Hashed first (the ETag goes before the body), then streamed: memory stays a few chunks.
    const source = tracked(progress, opts.file, 0, info.size);
    const md5 = await source.hash();
    const existing = await headObject(ctx, opts.container, opts.object);
    const keep = existing !== undefined && !existing.slo && existing.etag === md5 && existing.size === info.size;
    if (keep) progress.kept(info.size);
    else await putObject(ctx, opts.container, opts.object, source, md5);
    progress.finish();
    return { container: opts.container, object: opts.object, kind: 'single', size: info.size, etag: md5, segments: 1, uploaded: keep ? 0 : 1, kept: keep ? 1 : 0, bytesSent: progress.bytesSent, seconds: progress.seconds };
  }

  const segContainer = segmentContainerFor(opts.container);
  await ensureContainer(ctx, segContainer);
  const parts = segments(opts.object, plan, Math.floor(info.mtimeMs / 1000));
  let uploaded = 0;
  let kept = 0;
  opts.report({ event: 'log', level: 'debug', message: `uploading ${parts.length} segments of ${plan.segmentSize} bytes into ${segContainer}, ${opts.concurrency} at a time` });
  const done = await pool(parts, opts.concurrency, async (segment: Segment): Promise<UploadedSegment> => {
    const source = tracked(progress, opts.file, segment.offset, segment.length);
    // HEAD first: a re-run after an interruption keeps what is already there and correct.
    const existing = await headObject(ctx, segContainer, segment.name);
    if (existing !== undefined && existing.size === segment.length && existing.etag === (await source.hash())) {
      kept += 1;
      progress.kept(segment.length);
      return { container: segContainer, name: segment.name, etag: existing.etag, size: segment.length };
    }
    const etag = await putStreamed(ctx, segContainer, segment.name, source);
    uploaded += 1;
    return { container: segContainer, name: segment.name, etag, size: segment.length };
  });
  const etag = await putManifest(ctx, opts.container, opts.object, done);
  progress.finish();
  return { container: opts.container, object: opts.object, kind: 'slo', size: info.size, etag, segmentContainer: segContainer, segments: parts.length, uploaded, kept, bytesSent: progress.bytesSent, seconds: progress.seconds };
}
