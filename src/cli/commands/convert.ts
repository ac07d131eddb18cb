// `ingot convert IN OUT.vhd`: raw, qcow2, vmdk or vhd → a dynamic VHD laid out as XenServer's
// vhd-util writes it (creator "tap", 2 MiB blocks, batmap). Non-raw inputs go through qemu-img.
import { access, rm, stat } from 'node:fs/promises';
import { EXIT, IngotError } from '../../errors/index.js';
import { convertToVhd } from '../../vhd/index.js';
import { detectFormat, parseFormat, qemuToRaw } from '../../vhd/input-format.js';
import { flag, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { formatBytes } from '../output.js';

export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert raw, qcow2, vmdk or vhd into a dynamic VHD that XenServer and Rackspace accept',
  usage: 'ingot convert IN OUT.vhd [--force] [--format FMT] [--no-deterministic]',
  description:
    'Writes OUT.vhd as XenServer writes VHDs (creator "tap" 1.3, 2 MiB blocks, batmap, size rounded up to 2 MiB);\n' +
    'all-zero blocks are not stored. The input format is detected from its content; qcow2, vmdk and vhd inputs\n' +
    'are first turned into raw with qemu-img (package qemu-utils) next to OUT. Output is deterministic by default:\n' +
    'the timestamp is $SOURCE_DATE_EPOCH (or 2000-01-01) and the UUID a digest of the disk, so the same disk\n' +
    'always gives the same bytes. OUT is written as OUT.partial and renamed when complete. See docs/vhd.md.',
  options: {
    force: { type: 'boolean', short: 'f', description: 'overwrite OUT if it exists' },
    format: { type: 'string', value: 'FMT', description: 'input format: raw, qcow2, vmdk or vhd (default: detected)' },
    deterministic: { type: 'boolean', description: 'same disk → same VHD bytes (default)' },
    'no-deterministic': { type: 'boolean', description: 'current time and a random UUID instead' },
  },
  async run(ctx, args) {
    const [input, output, ...extra] = args.positionals;
    if (input === undefined || output === undefined || extra.length > 0) {
      throw new IngotError('USAGE', `ingot convert takes IN and OUT.vhd, got ${args.positionals.length} argument(s)`, { hint: "Run 'ingot convert --help'." });
    }
    if (flag(args, 'deterministic') && flag(args, 'no-deterministic')) throw new IngotError('USAGE', '--deterministic and --no-deterministic contradict each other', { hint: 'Give at most one.' });
    const deterministic = !flag(args, 'no-deterministic');
    const epoch = parseEpoch(ctx.env.SOURCE_DATE_EPOCH);
    await requireReadable(input);
    if (!flag(args, 'force') && (await exists(output))) {
      throw new IngotError('VHD_OUTPUT_EXISTS', `${output} already exists`, { hint: 'Pass --force to overwrite it, or choose another output path.' });
    }
    const formatText = stringOption(args, 'format');
    const format = formatText === undefined ? await detectFormat(input) : parseFormat(formatText);

    let rawPath = input;
    const tempRaw = `${output}.partial.raw`;
    try {
      if (format !== 'raw') {
        ctx.out.emit({ event: 'stage', stage: 'qemu-img', status: 'start', title: `qemu-img: ${format} → raw` });
        await qemuToRaw(input, format, tempRaw, ctx.signal, ctx.out.report);
        ctx.out.emit({ event: 'stage', stage: 'qemu-img', status: 'done', title: `qemu-img: ${format} → raw` });
        rawPath = tempRaw;
      }
      ctx.out.emit({ event: 'stage', stage: 'convert', status: 'start', title: `convert ${input} → ${output}` });
      const r = await convertToVhd(rawPath, output, { deterministic, signal: ctx.signal, ...(epoch === undefined ? {} : { sourceDateEpoch: epoch }) }, ctx.out.report);
      ctx.out.emit({ event: 'stage', stage: 'convert', status: 'done', title: `convert ${input} → ${output}` });
      ctx.out.emit({ event: 'result', command: 'convert', ok: true, data: { input, inputFormat: format, output, deterministic, ...r } });
      ctx.out.text(`${output}: dynamic VHD, virtual size ${formatBytes(r.currentSize)}, ${r.allocatedBlocks} blocks stored, ${formatBytes(r.length)} file`);
      return EXIT.ok;
    } finally {
      if (rawPath === tempRaw) await rm(tempRaw, { force: true });
    }
  },
};

function parseEpoch(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new IngotError('USAGE', `SOURCE_DATE_EPOCH='${text}' is not a number of seconds`, { hint: 'Set it to Unix seconds, e.g. $(git log -1 --format=%ct), or unset it.' });
  return Number(text);
}

async function requireReadable(path: string): Promise<void> {
  try {
    await access(path);
    if (!(await stat(path)).isFile()) throw new Error('not a regular file');
  } catch (error) {
    throw new IngotError('INPUT_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, { hint: 'Check the path and its permissions.', cause: error });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false; // absent (or unreachable): nothing to overwrite
  }
}
