// Static Large Object planning: segment size, names, the manifest body and the ETag Swift answers
// with (rackspace.md §2.1, §2.4; traps 11–14).
import { createHash } from 'node:crypto';
import { IngotError } from '../errors/index.js';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
/** Rackspace's largest single object and SLO segment (§2.1). */
export const MAX_SEGMENT = 5 * GiB;
/** Rackspace asks for segments of at least 1 MiB except the last (§2.1; local Swift accepts less). */
export const MIN_SEGMENT = MiB;
export const MAX_SEGMENTS = 1000;
/** "do not create file segments smaller than 100-200 MB" (§2.1): 256 MiB unless the file needs more. */
export const DEFAULT_SEGMENT = 256 * MiB;

export interface SegmentPlan {
  size: number;
  segmentSize: number;
  count: number;
  /** One PUT when the whole file fits in one segment. */
  single: boolean;
}

export function planSegments(size: number, requested?: number): SegmentPlan {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < MIN_SEGMENT || requested > MAX_SEGMENT) {
      throw new IngotError('USAGE', `--segment-size must be between 1 MiB and 5 GiB, got ${requested} bytes`, {
        hint: 'Use a size such as 256M or 1G, or leave it out to let ingot choose.',
      });
    }
  }
  const auto = Math.min(MAX_SEGMENT, Math.max(DEFAULT_SEGMENT, Math.ceil(size / MAX_SEGMENTS / MiB) * MiB));
  const segmentSize = requested ?? auto;
  const count = Math.max(1, Math.ceil(size / segmentSize));
  if (count > MAX_SEGMENTS) {
    throw new IngotError('USAGE', `a ${size}-byte file in ${segmentSize}-byte segments needs ${count} segments; Cloud Files allows ${MAX_SEGMENTS}`, {
      hint: `Use --segment-size of at least ${Math.ceil(size / MAX_SEGMENTS / MiB)}M, or leave it out.`,
    });
  }
  if (size > MAX_SEGMENT * MAX_SEGMENTS) {
    throw new IngotError('USAGE', `the file is ${size} bytes; the largest object Cloud Files can hold is 1000 × 5 GiB`, {});
  }
  return { size, segmentSize, count, single: size <= segmentSize };
}

export interface Segment {
  index: number;
  offset: number;
  length: number;
  /** Object name inside the segment container. */
  name: string;
}

/**
 * Segment names follow python-swiftclient's SLO layout `<obj>/slo/<mtime>/<size>/<segsize>/<NNNNNNNN>`
 * (§2.4 "Conventions"), so a re-run for the same file finds its own segments and a changed file
 * (new mtime or size) never reuses stale ones.
 */
export function segments(object: string, plan: SegmentPlan, mtimeSeconds: number): Segment[] {
  const prefix = `${object}/slo/${mtimeSeconds}/${plan.size}/${plan.segmentSize}`;
  return Array.from({ length: plan.count }, (_, index) => {
    const offset = index * plan.segmentSize;
    return { index, offset, length: Math.min(plan.segmentSize, plan.size - offset), name: `${prefix}/${String(index).padStart(8, '0')}` };
  });
}

export interface UploadedSegment {
  container: string;
  name: string;
  etag: string;
  size: number;
}

/** The manifest body: `path` is `/container/object` NOT URL-encoded (trap 12); all three keys sent. */
export function manifestBody(parts: readonly UploadedSegment[]): string {
  return JSON.stringify(parts.map((p) => ({ path: `/${p.container}/${p.name}`, etag: p.etag, size_bytes: p.size })));
}

/** What Swift answers for an SLO: md5 of the concatenated segment etags, quoted (trap 14). */
export function sloEtag(parts: readonly UploadedSegment[]): string {
  return createHash('md5').update(parts.map((p) => p.etag).join('')).digest('hex');
}

/** Parses sizes like 1048576, 64M, 256MiB, 1G (binary units). */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  if (m === null) return undefined;
  const unit = { '': 1, k: 1024, m: MiB, g: GiB }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}
