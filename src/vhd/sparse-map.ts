// Which 2 MiB blocks of a raw file may hold data, from the file system's hole map.
// Node cannot call lseek(SEEK_DATA/SEEK_HOLE), and reading holes is not free: it fills the page
// cache with zero pages (measured here at ~250 MB/s on a VM, so a 20 GiB sparse disk took minutes).
// `qemu-img map -f raw` walks SEEK_DATA/SEEK_HOLE for us; its output streams one extent per line,
// so memory stays at one bit per block. Without qemu-img every block is read (the hint is absent).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BLOCK_SIZE } from './constants.js';

const EXTENT = /"start":\s*(\d+),\s*"length":\s*(\d+).*"data":\s*(true|false)/;

/** A bitset (MSB-first) of blocks that intersect a data extent, or undefined if qemu-img is unavailable. */
export async function dataBlockMap(path: string, size: number, signal?: AbortSignal): Promise<Uint8Array | undefined> {
  const blocks = Math.ceil(size / BLOCK_SIZE);
  const map = new Uint8Array(Math.ceil(blocks / 8) + 1);
  // node:child_process rather than execa here: this module is on the import path of every VHD
  // user, and execa's import alone cost ~1 s of start-up on a loaded machine.
  const child = spawn('qemu-img', ['map', '-f', 'raw', '--output=json', path], { stdio: ['ignore', 'pipe', 'ignore'], ...(signal ? { signal } : {}) });
  const exit = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (code) => resolve(code));
  });
  let seen = 0;
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const m = EXTENT.exec(line);
      if (!m) continue;
      const start = Number(m[1]);
      const length = Number(m[2]);
      seen += length;
      if (m[3] !== 'true' || length === 0) continue;
      const last = Math.min(blocks - 1, Math.floor((start + length - 1) / BLOCK_SIZE));
      for (let i = Math.floor(start / BLOCK_SIZE); i <= last; i++) map[i >> 3] = (map[i >> 3] ?? 0) | (0x80 >> (i & 7));
    }
  } catch {
    child.kill();
    await exit;
    return undefined; // qemu-img failed mid-way: fall back to reading every block
  }
  // qemu-img missing (exit null) or failed, or a map that does not cover the whole file: it cannot
  // be trusted to name every data block.
  return (await exit) === 0 && seen >= size ? map : undefined;
}
