// The resolve stage's source image: a local file or a URL, verified against the recipe's
// checksum and cached by that checksum, so a second build neither downloads nor trusts again.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Report } from '../cli/events.js';
import { IngotError } from '../errors/index.js';
import type { Checksum, RecipeSource } from '../recipe/index.js';
import { BLOCK_SIZE, openRawFile, StreamAlloc, type Scanned } from '../vhd/index.js';
import { detectFormat as detectInputFormat } from '../vhd/input-format.js';

export interface ResolvedImage {
  path: string;
  format: 'raw' | 'qcow2' | 'vmdk' | 'vhd';
  sha256: string;
  checksum?: Checksum;
  bytes: number;
  cached: boolean;
  /** Raw images: which 2 MiB blocks hold data, seen while hashing, so the import does not scan the file again. */
  scan?: Scanned;
}

type ImageSource = Extract<RecipeSource, { kind: 'image' }>;

export function imageCacheDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'ingot', 'images');
}

export async function resolveImage(source: ImageSource, opts: { env: NodeJS.ProcessEnv; report: Report; signal: AbortSignal }): Promise<ResolvedImage> {
  if (source.url !== undefined) return download(source.url, source.checksum, source.format, opts);
  const hashes = await hashFile(source.path, source.checksum?.algorithm, opts.report);
  if (source.checksum !== undefined) verify(source.checksum, hashes.wanted!, source.path);
  const format = source.format ?? (await detectFormat(source.path));
  return { path: source.path, format, sha256: hashes.sha256, ...(source.checksum ? { checksum: source.checksum } : {}), bytes: hashes.bytes, cached: false, ...rawScan(format, hashes.scan) };
}

async function download(url: string, checksum: Checksum, format: ImageSource['format'], opts: { env: NodeJS.ProcessEnv; report: Report; signal: AbortSignal }): Promise<ResolvedImage> {
  const dir = imageCacheDir(opts.env);
  const target = join(dir, `${checksum.algorithm}-${checksum.hex}`);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isFile()) {
    // The cache is keyed by the checksum, but a file can rot: verify again before trusting it.
    const hashes = await hashFile(target, checksum.algorithm, opts.report);
    if (hashes.wanted === checksum.hex) {
      const found = format ?? (await detectFormat(target));
      return { path: target, format: found, sha256: hashes.sha256, checksum, bytes: hashes.bytes, cached: true, ...rawScan(found, hashes.scan) };
    }
    await rm(target, { force: true });
  }
  await mkdir(dir, { recursive: true });
  let response: Response;
  try {
    response = await fetch(url, { signal: opts.signal, redirect: 'follow' });
  } catch (error) {
    throw new IngotError('SOURCE_UNAVAILABLE', `cannot download the source image ${url}: ${(error as Error).message}`, {
      hint: `Check the URL and the network, or download it yourself and use source.image.path (the cache is ${dir}).`,
      cause: error,
    });
  }
  if (!response.ok || response.body === null) {
    throw new IngotError('SOURCE_UNAVAILABLE', `downloading ${url} answered HTTP ${response.status}`, { hint: 'Check the URL: dated cloud images move to archives after a while.' });
  }
  const total = Number(response.headers.get('content-length') ?? 0) || undefined;
  // Its own partial file: two builds of `ingot build A B --parallel 2` may fetch the same image at once;
  // each verifies its copy and the rename of a complete file over another is atomic.
  const partial = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  const wanted = createHash(checksum.algorithm);
  const sha256 = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      wanted.update(chunk);
      sha256.update(chunk);
      bytes += chunk.length;
      opts.report({ event: 'progress', stage: 'download', done: bytes, ...(total ? { total } : {}), unit: 'bytes' });
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), meter, createWriteStream(partial), { signal: opts.signal });
    verify(checksum, wanted.digest('hex'), url);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  await rename(partial, target);
  return { path: target, format: format ?? (await detectFormat(target)), sha256: sha256.digest('hex'), checksum, bytes, cached: false };
}

function verify(checksum: Checksum, seen: string, what: string): void {
  if (seen !== checksum.hex) {
    throw new IngotError('SOURCE_CHECKSUM_MISMATCH', `the ${checksum.algorithm} of ${what} is ${seen}, the recipe expects ${checksum.hex}`, {
      hint: 'The file is not the one the recipe pins: a changed upstream file, a truncated download or the wrong URL. Fix the URL or, if the new file is trusted, its checksum.',
    });
  }
}

const rawScan = (format: ResolvedImage['format'], scan: Scanned | undefined): { scan?: Scanned } => (format === 'raw' && scan !== undefined ? { scan } : {});

const ZEROS = Buffer.alloc(BLOCK_SIZE);

async function hashFile(path: string, algorithm: Checksum['algorithm'] | undefined, report: Report): Promise<{ sha256: string; wanted: string | undefined; bytes: number; scan: Scanned | undefined }> {
  const info = await stat(path).catch((error: unknown) => {
    throw new IngotError('SOURCE_UNAVAILABLE', `the source image ${path} cannot be read: ${(error as Error).message}`, { hint: 'Check source.image.path in the recipe.', cause: error });
  });
  const sha256 = createHash('sha256');
  const wanted = algorithm && algorithm !== 'sha256' ? createHash(algorithm) : undefined;
  // The import's pass 1 comes along for the price of a compare: the file is read here anyway.
  const alloc = new StreamAlloc(info.size);
  let bytes = 0;
  const take = (chunk: Buffer): void => {
    sha256.update(chunk);
    alloc.update(chunk);
    wanted?.update(chunk);
    bytes += chunk.length;
    report({ event: 'progress', stage: 'verify', done: bytes, total: info.size, unit: 'bytes' });
  };
  // The file system's holes read as zeros: they are hashed as zeros without being read, because
  // reading them costs the kernel a zero-filled page each (135–250 MB/s on the test VM: most of a
  // minute for a sparse 2 GiB image). openRawFile gets the hole map from qemu-img; without it,
  // every byte is read.
  const source = await openRawFile(path);
  try {
    const buffer = Buffer.allocUnsafe(BLOCK_SIZE);
    for (let i = 0, at = 0; at < info.size; i++, at += BLOCK_SIZE) {
      const length = Math.min(BLOCK_SIZE, info.size - at);
      if (source.mayHaveData?.(i) === false) {
        take(ZEROS.subarray(0, length));
        continue;
      }
      const done = await source.readAt(buffer, length, at);
      take(buffer.subarray(0, done));
      if (done < length) break; // the file shrank meanwhile: `bytes` and the scan say so
    }
  } finally {
    await source.close();
  }
  const sha = sha256.digest('hex');
  return { sha256: sha, wanted: algorithm === undefined ? undefined : wanted ? wanted.digest('hex') : sha, bytes, scan: alloc.result() };
}

/** The image format by its magic numbers (the VHD engine's probe; it calls VHD "vpc" as qemu-img does). */
export async function detectFormat(path: string): Promise<ResolvedImage['format']> {
  const format = await detectInputFormat(path);
  return format === 'vpc' ? 'vhd' : format;
}
