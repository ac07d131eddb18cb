// What the checker's parts share: bounded reads that never throw at EOF, and a capped finding list.
import type { FileHandle } from 'node:fs/promises';
import { finding, type Finding, type RuleId } from './rules.js';

/** At most this many findings per rule are kept; the rest are counted (bounded memory on hostile input). */
export const MAX_PER_RULE = 20;

export class CheckContext {
  readonly findings: Finding[] = [];
  readonly suppressed: Partial<Record<RuleId, number>> = {};
  #perRule = new Map<RuleId, number>();

  constructor(
    readonly fh: FileHandle,
    readonly fileSize: number,
    /** Offset of the trailing footer: the end of the space blocks may use. */
    readonly footerAt: number,
    /** Unix seconds, for the "creation time in future" rule. */
    readonly now: number,
  ) {}

  add(rule: RuleId, offset: number, found: string, expected: string, detail?: string): void {
    const n = (this.#perRule.get(rule) ?? 0) + 1;
    this.#perRule.set(rule, n);
    if (n > MAX_PER_RULE) this.suppressed[rule] = (this.suppressed[rule] ?? 0) + 1;
    else this.findings.push(finding(rule, offset, found, expected, detail));
  }

  has(rule: RuleId): boolean {
    return this.#perRule.has(rule);
  }

  /** Reads up to `length` bytes at `offset`; the result is shorter only at EOF. */
  async read(offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.alloc(Math.max(0, Math.min(length, this.fileSize - offset)));
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await this.fh.read(buf, done, buf.length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === buf.length ? buf : buf.subarray(0, done);
  }
}

export const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
export const hex64 = (n: bigint): string => `0x${n.toString(16).padStart(16, '0')}`;
export const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);
export const printable = (s: string): string => JSON.stringify(s).replace(/\\u0000/g, '\\0');
