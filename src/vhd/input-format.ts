// Which image format an input file is, from its magic bytes (not its name), and how to turn a
// non-raw one into raw through qemu-img (the Debian package qemu-utils).
import { open, rm } from 'node:fs/promises';
import { execa } from 'execa';
import { silent, type Report } from '../cli/events.js';
import { IngotError } from '../errors/index.js';

export const INPUT_FORMATS = ['raw', 'qcow2', 'vmdk', 'vpc'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** qcow2 "QFI\xfb"; VMDK sparse "KDMV" or a text descriptor; VHD "conectix" at 0 (dynamic) or at EOF-512 (fixed). */
export async function detectFormat(path: string): Promise<InputFormat> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(512);
    await fh.read(head, 0, 512, 0);
    if (head.subarray(0, 4).equals(Buffer.from([0x51, 0x46, 0x49, 0xfb]))) return 'qcow2';
    if (head.toString('latin1', 0, 4) === 'KDMV' || head.toString('latin1', 0, 21) === '# Disk DescriptorFile') return 'vmdk';
    if (head.toString('latin1', 0, 8) === 'conectix') return 'vpc';
    if (size >= 512 && size % 512 === 0) {
      const tail = Buffer.alloc(8);
      await fh.read(tail, 0, 8, size - 512);
      if (tail.toString('latin1') === 'conectix') return 'vpc';
    }
    return 'raw';
  } finally {
    await fh.close();
  }
}

export function parseFormat(text: string): InputFormat {
  const f = text === 'vhd' ? 'vpc' : text;
  if ((INPUT_FORMATS as readonly string[]).includes(f)) return f as InputFormat;
  throw new IngotError('VHD_INPUT_FORMAT', `--format: '${text}' is not an input format ingot converts`, { hint: 'Use one of raw, qcow2, vmdk, vhd.' });
}

/** Runs `qemu-img convert -O raw` into `rawPath` (sparse), reporting progress; removes it on failure. */
export async function qemuToRaw(inPath: string, format: InputFormat, rawPath: string, signal?: AbortSignal, report: Report = silent): Promise<void> {
  const args = ['convert', '-p', '-f', format, '-O', 'raw', inPath, rawPath];
  const child = execa('qemu-img', args, { reject: false, all: true, ...(signal ? { cancelSignal: signal } : {}) });
  child.stdout?.on('data', (chunk: Buffer) => {
    // qemu-img -p prints "    (12.34/100%)" updates separated by carriage returns.
    const m = /\((\d+(?:\.\d+)?)\/100%\)[^(]*$/.exec(chunk.toString());
    if (m) report({ event: 'progress', stage: 'qemu-img', done: Number(m[1]), total: 100, unit: 'percent' });
  });
  const r = await child;
  if ((r as { code?: string }).code === 'ENOENT') {
    await rm(rawPath, { force: true });
    throw new IngotError('TOOL_MISSING', `qemu-img is needed to read ${format} input and was not found on PATH`, {
      hint: "Install it (Debian/Ubuntu: 'apt-get install qemu-utils'), or convert the image to raw yourself and pass the raw file.",
    });
  }
  if (r.exitCode !== 0) {
    await rm(rawPath, { force: true });
    if (signal?.aborted) throw signal.reason;
    throw new IngotError('TOOL_FAILED', `qemu-img convert -f ${format} -O raw failed (exit ${r.exitCode ?? 'signal'}): ${String(r.all ?? '').trim().split('\n').pop() ?? ''}`, {
      hint: `Check that ${inPath} is a valid ${format} image ('qemu-img check -f ${format} ${inPath}').`,
    });
  }
}
