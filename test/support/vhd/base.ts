// A small valid VHD, built in memory by ingot's own writer: 8 MiB virtual, blocks 0, 2 and 3
// allocated (block 1 is zeros), so mutations can hit every structure.
import { prepareVhd } from '../../../src/vhd/writer.js';
import { prng, randomBytes } from './fixtures.js';

export const MIB = 1024 * 1024;
export const RAW_SIZE = 7 * MIB + 1234;

export interface Base {
  raw: Buffer;
  vhd: Buffer;
}

export function baseRaw(seed = 7): Buffer {
  const rand = prng(seed);
  const raw = Buffer.alloc(RAW_SIZE);
  randomBytes(rand, 2 * MIB).copy(raw, 0);
  randomBytes(rand, 2 * MIB).copy(raw, 4 * MIB);
  randomBytes(rand, 1234).copy(raw, 7 * MIB);
  raw[7 * MIB] = 1;
  return raw;
}

/** Serialises a raw buffer through the writer (sequential source, fixed time). */
export async function vhdOf(raw: Buffer, opts: { deterministic?: boolean; sourceDateEpoch?: number; chunk?: number } = {}): Promise<Buffer> {
  const chunk = opts.chunk ?? 65536;
  const vhd = await prepareVhd(
    {
      kind: 'sequential',
      size: raw.length,
      async *open() {
        for (let i = 0; i < raw.length; i += chunk) yield raw.subarray(i, i + chunk);
      },
    },
    { deterministic: opts.deterministic ?? true, sourceDateEpoch: opts.sourceDateEpoch ?? 1_700_000_000 },
  );
  const parts: Buffer[] = [];
  for await (const p of vhd.stream) parts.push(p as Buffer);
  const out = Buffer.concat(parts);
  if (out.length !== vhd.length) throw new Error(`stream gave ${out.length} bytes, announced ${vhd.length}`);
  return out;
}

export async function base(): Promise<Base> {
  const raw = baseRaw();
  return { raw, vhd: await vhdOf(raw) };
}
