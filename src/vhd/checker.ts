// `checkVhd`: every structural rule of vhd.md §3.1 (strict, quirks fixed), Rackspace's import rules
// (rackspace.md §5) and the "tap" advice. Never throws on hostile bytes; reads are bounded.
import { open } from 'node:fs/promises';
import { IngotError } from '../errors/index.js';
import { checkBlocks } from './check-blocks.js';
import { CheckContext } from './check-context.js';
import { checkFooter } from './check-footer.js';
import { checkHeader } from './check-header.js';
import { DISK_DIFFERENCING, DISK_DYNAMIC, DISK_FIXED, FOOTER_SIZE, RACKSPACE_MAX_SIZE } from './constants.js';
import { decodeFooter, formatUuid } from './footer.js';
import { finding, type Finding, type RuleId } from './rules.js';

export interface CheckOptions {
  /** Rackspace's import limit for virtual and file size, bytes (default 160 GiB). */
  maxSize?: number;
  /** Unix seconds to judge timestamps against (default: now). */
  now?: number;
}

export interface CheckResult {
  /** pass: no errors (warnings allowed); fail: at least one error; unreadable: not readable at all. */
  verdict: 'pass' | 'fail' | 'unreadable';
  path: string;
  fileSize: number;
  findings: Finding[];
  /** Findings dropped after the first 20 of a rule, by rule. */
  suppressed: Partial<Record<RuleId, number>>;
  disk?: { type: number; currentSize: number; creator: string; creatorVersion: string; uuid: string; allocatedBlocks?: number };
}

export async function checkVhd(path: string, opts: CheckOptions = {}): Promise<CheckResult> {
  let fh;
  try {
    fh = await open(path, 'r');
    const st = await fh.stat();
    if (!st.isFile()) return unreadable(path, `not a regular file`);
    return await checkOpen(path, new CheckContext(fh, st.size, footerOffset(st.size), opts.now ?? Date.now() / 1000), opts.maxSize ?? RACKSPACE_MAX_SIZE);
  } catch (error) {
    if (isSystemError(error)) return unreadable(path, error.message);
    throw error;
  } finally {
    await fh?.close();
  }
}

/** The trailing footer sits at EOF-512; a 511-byte legacy footer at EOF-511 (vhd.md §1.1). */
function footerOffset(size: number): number {
  const rem = size % 512;
  if (rem === 511) return size - 511;
  return Math.max(0, size - FOOTER_SIZE - rem);
}

async function checkOpen(path: string, ctx: CheckContext, maxSize: number): Promise<CheckResult> {
  const result = (disk?: CheckResult['disk']): CheckResult => ({
    verdict: ctx.findings.some((f) => f.severity === 'error') ? 'fail' : 'pass',
    path, fileSize: ctx.fileSize, findings: ctx.findings, suppressed: ctx.suppressed, ...(disk ? { disk } : {}),
  });
  if (ctx.fileSize < FOOTER_SIZE) {
    ctx.add('file.too-small', 0, `${ctx.fileSize} bytes`, '>= 512 bytes');
    return result();
  }
  if (ctx.fileSize % 512 !== 0) {
    const legacy = ctx.fileSize % 512 === 511 ? ' (a 511-byte legacy footer, which Virtual PC 2004 wrote)' : '';
    ctx.add('file.size-alignment', ctx.fileSize, `${ctx.fileSize} bytes${legacy}`, 'a multiple of 512');
  }
  const fbuf = Buffer.alloc(FOOTER_SIZE);
  (await ctx.read(ctx.footerAt, FOOTER_SIZE)).copy(fbuf);
  const footer = decodeFooter(fbuf);
  if (!checkFooter(ctx, fbuf, footer, ctx.footerAt)) {
    const copy = await ctx.read(0, 8);
    if (copy.toString('latin1') === 'conectix') ctx.findings[ctx.findings.length - 1]!.message += ' (offset 0 holds a footer copy: the file looks truncated)';
    return result();
  }
  const disk: NonNullable<CheckResult['disk']> = {
    type: footer.diskType, currentSize: footer.currentSize, creator: footer.creatorApp.replace(/\0+$/, ''),
    creatorVersion: `${footer.creatorVersion >>> 16}.${footer.creatorVersion & 0xffff}`, uuid: formatUuid(footer.uuid),
  };
  if (footer.currentSize > maxSize) ctx.add('rax.virtual-size', ctx.footerAt + 48, `${footer.currentSize} bytes`, `<= ${maxSize} (--max-size)`);
  if (ctx.fileSize > maxSize) ctx.add('rax.physical-size', 0, `${ctx.fileSize} bytes`, `<= ${maxSize} (--max-size)`);
  if (footer.diskType === DISK_FIXED) {
    if (ctx.fileSize !== footer.currentSize + FOOTER_SIZE) ctx.add('fixed.size', ctx.footerAt + 48, `file of ${ctx.fileSize} bytes`, `${footer.currentSize + FOOTER_SIZE} (current_size + 512)`);
    ctx.add('fixed.not-sparse', ctx.footerAt + 60, 'disk type 2 (fixed)', 'disk type 3 (dynamic)');
    return result(disk);
  }
  if (footer.diskType !== DISK_DYNAMIC && footer.diskType !== DISK_DIFFERENCING) return result(disk);
  // The copy at offset 0 must be byte-identical (rule 17; qemu reads only the copy, libvhdi only the end, T9).
  const copy = await ctx.read(0, FOOTER_SIZE);
  if (!copy.equals(fbuf)) {
    const differs = copy.findIndex((b, i) => b !== fbuf[i]);
    ctx.add('footer.copy-mismatch', Math.max(0, differs), copy.toString('latin1', 0, 8) === 'conectix' ? `first difference at byte ${differs}` : 'no footer copy at offset 0', 'a byte-identical copy of the trailing footer');
  }
  const header = await checkHeader(ctx, footer);
  if (header) disk.allocatedBlocks = (await checkBlocks(ctx, footer, header)).allocatedBlocks;
  return result(disk);
}

/**
 * For pre-flight callers (`ingot push`, the build's check stage): resolves with the result when it
 * has no errors, else throws VHD_CHECK_FAILED carrying the findings in `details`.
 */
export async function assertVhdImportable(path: string, opts: CheckOptions = {}): Promise<CheckResult> {
  const r = await checkVhd(path, opts);
  if (r.verdict === 'pass') return r;
  const errors = r.findings.filter((f) => f.severity === 'error');
  const first = errors[0];
  throw new IngotError('VHD_CHECK_FAILED', `${path} would be rejected: ${errors.length} error(s)${first ? `, first ${first.rule} at byte ${first.offset}: ${first.message} (found ${first.found}, expected ${first.expected})` : ''}`, {
    hint: first ? `${first.fix} Run 'ingot check ${path}' for every finding.` : `Run 'ingot check ${path}'.`,
    details: { verdict: r.verdict, findings: r.findings },
  });
}

function unreadable(path: string, why: string): CheckResult {
  return { verdict: 'unreadable', path, fileSize: 0, findings: [finding('file.unreadable', 0, why, 'a readable regular file')], suppressed: {} };
}

function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
}
