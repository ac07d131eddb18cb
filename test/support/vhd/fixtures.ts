// Raw disk fixtures for VHD tests: seeded random data written at chosen offsets of sparse files
// in os.tmpdir(), and the external oracles (qemu-img, vhdiinfo) run the way a user runs them.
import { execa } from 'execa';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A deterministic PRNG (mulberry32): the same seed gives the same fixtures and the same fuzz run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let i = 0;
  for (; i + 4 <= n; i += 4) b.writeUInt32LE(Math.floor(rand() * 2 ** 32), i);
  for (; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

export interface Extent {
  offset: number;
  length: number;
}

/** Creates a sparse raw file of `size` bytes with seeded random data in `extents` (never all-zero). */
export async function writeSparseRaw(path: string, size: number, extents: Extent[], seed = 1): Promise<void> {
  const rand = prng(seed);
  const fh = await open(path, 'w');
  try {
    await fh.truncate(size);
    for (const e of extents) {
      const data = randomBytes(rand, e.length);
      data[0] = 0xa5; // never an all-zero extent
      await fh.write(data, 0, data.length, e.offset);
    }
  } finally {
    await fh.close();
  }
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ingot-vhd-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ingot-vhd-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function qemuImg(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await execa('qemu-img', args, { reject: false, timeout: 120_000 });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export async function qemuVirtualSize(path: string, format = 'vpc'): Promise<number> {
  const r = await qemuImg(['info', '-f', format, '--output=json', path]);
  if (r.code !== 0) throw new Error(`qemu-img info failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { 'virtual-size': number })['virtual-size'];
}

/** `vhdiinfo` (libvhdi): the media size it reports, or the failure. */
export async function vhdiMediaSize(path: string): Promise<number> {
  const r = await execa('vhdiinfo', [path], { reject: false, timeout: 60_000 });
  const m = /Media size\s*:.*\((\d+) bytes\)/.exec(r.stdout);
  if (r.exitCode !== 0 || !m) throw new Error(`vhdiinfo failed (${r.exitCode}): ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}
