// Writes an ISO 9660 image with Rock Ridge and Joliet names from a small tree, as a stream of
// known length. Hand-written on purpose: docs/decisions.md "Our own ISO 9660 writer".
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IngotError } from '../../errors/index.js';
import { FIRST_DESCRIPTOR_SECTOR, SECTOR } from './bytes.js';
import { encodeTerminator, encodeVolumeDescriptor } from './descriptors.js';
import { type Layout, type PathTablePlan, layOut } from './layout.js';
import { FLAG_DIRECTORY, encodePathRecord, encodeRecord } from './records.js';
import { ce, encodeEntries } from './rockridge.js';
import { IsoFileRef, type IsoTree, normalizeTree } from './tree.js';
import { type DirView, type RecordPlan, buildViews } from './views.js';

export interface IsoOptions {
  /** The volume label cloud-init looks for: `cidata` (NoCloud) or `config-2` (ConfigDrive). */
  volumeId: string;
  /**
   * Every timestamp in the image, in Unix seconds; the same tree and epoch give the same bytes.
   * Defaults to 0 (1970-01-01). Callers pass `sourceDateEpoch(process.env)` to honour the convention.
   */
  epochSeconds?: number;
}

export interface IsoImage {
  /** Exact byte length of the stream: a whole number of 2048-byte sectors. */
  length: number;
  stream: Readable;
}

/** SOURCE_DATE_EPOCH (reproducible-builds.org) when set to a whole number, else undefined. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new IngotError('ISO_INVALID', `SOURCE_DATE_EPOCH is "${raw}"; expected a whole number of seconds since 1970.`, { hint: 'Unset it or set it to e.g. $(git log -1 --format=%ct).' });
  }
  return Number(raw);
}

/** Lays the image out (reading only file sizes) and returns a stream that produces it. */
export async function createIso(tree: IsoTree, options: IsoOptions): Promise<IsoImage> {
  checkVolumeId(options.volumeId);
  const epoch = options.epochSeconds ?? 0;
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 4_102_444_799) {
    throw new IngotError('ISO_INVALID', `ISO epoch ${epoch} is outside 1970–2099.`, { hint: 'Pass whole seconds since 1970 (SOURCE_DATE_EPOCH).' });
  }
  const root = await normalizeTree(tree);
  const primary = buildViews(root, 'primary', epoch);
  const joliet = buildViews(root, 'joliet', epoch);
  const layout = layOut(primary, joliet);
  const metadata = encodeMetadata(primary, joliet, layout, options.volumeId, epoch);
  return { length: layout.totalSectors * SECTOR, stream: Readable.from(produce(metadata, layout)) };
}

/** The whole image in memory: seed media are a few sectors. */
export async function createIsoBuffer(tree: IsoTree, options: IsoOptions): Promise<Buffer> {
  const { stream } = await createIso(tree, options);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Writes the image to `path` (created or truncated) and returns its length. */
export async function createIsoFile(tree: IsoTree, options: IsoOptions, path: string): Promise<number> {
  const { length, stream } = await createIso(tree, options);
  await pipeline(stream, createWriteStream(path));
  return length;
}

function checkVolumeId(id: string): void {
  // 16 characters is what the Joliet descriptor's 32-byte UCS-2 field holds.
  if (!/^[A-Za-z0-9_-]{1,16}$/.test(id)) {
    throw new IngotError('ISO_INVALID', `ISO volume label "${id}" is not 1–16 letters, digits, "_" or "-".`, { hint: 'Use "cidata" for NoCloud or "config-2" for a config drive.' });
  }
}

function encodeMetadata(primary: DirView[], joliet: DirView[], layout: Layout, volumeId: string, epoch: number): Buffer {
  const image = Buffer.alloc(layout.metadataSectors * SECTOR);
  const recordOf = (r: RecordPlan, systemUse: Buffer): Buffer => {
    const target = r.target;
    const isDir = target.kind === 'dir';
    return encodeRecord({
      extent: isDir ? target.view.extent : (layout.extentOf.get(target.file.source) ?? 0),
      dataLength: isDir ? target.view.size : target.file.size,
      epochSeconds: epoch,
      flags: isDir ? FLAG_DIRECTORY : 0,
      identifier: r.identifier,
      systemUse,
    });
  };
  const systemUse = (r: RecordPlan): Buffer =>
    encodeEntries(r.continuation ? [...r.inline, ce(r.continuation.block, r.continuation.offset, r.continuation.length)] : r.inline);

  const descriptor = (views: DirView[], table: PathTablePlan, isJoliet: boolean): Buffer => {
    const rootDot = views[0]?.records[0];
    if (rootDot === undefined) throw new Error('unreachable: every tree has a root with a "." record');
    return encodeVolumeDescriptor({
      joliet: isJoliet,
      volumeId,
      volumeSectors: layout.totalSectors,
      pathTableSize: table.size,
      lPathTable: table.l,
      mPathTable: table.m,
      rootRecord: recordOf(rootDot, Buffer.alloc(0)), // §8.4.18: 34 bytes, no system use
      epochSeconds: epoch,
      applicationId: 'INGOT',
    });
  };
  descriptor(primary, layout.primaryTable, false).copy(image, FIRST_DESCRIPTOR_SECTOR * SECTOR);
  descriptor(joliet, layout.jolietTable, true).copy(image, (FIRST_DESCRIPTOR_SECTOR + 1) * SECTOR);
  encodeTerminator().copy(image, (FIRST_DESCRIPTOR_SECTOR + 2) * SECTOR);

  for (const [views, table] of [[primary, layout.primaryTable], [joliet, layout.jolietTable]] as const) {
    for (const bigEndian of [false, true]) {
      let at = (bigEndian ? table.m : table.l) * SECTOR;
      for (const v of views) {
        const rec = encodePathRecord(v.identifier, v.extent, v.parent?.number ?? 1, bigEndian);
        rec.copy(image, at);
        at += rec.length;
      }
    }
  }

  for (const view of [...primary, ...joliet]) {
    let sector = view.extent;
    let used = 0;
    for (const r of view.records) {
      if (used + r.length > SECTOR) {
        sector += 1;
        used = 0;
      }
      const rec = recordOf(r, systemUse(r));
      rec.copy(image, sector * SECTOR + used);
      used += rec.length;
    }
  }

  for (const block of layout.continuationBlocks) {
    for (const r of block.records) {
      if (r.continuation) encodeEntries(r.spill).copy(image, block.sector * SECTOR + r.continuation.offset);
    }
  }
  return image;
}

async function* produce(metadata: Buffer, layout: Layout): AsyncGenerator<Buffer> {
  yield metadata;
  for (const file of layout.files) {
    if (file.source instanceof IsoFileRef) {
      let seen = 0;
      for await (const chunk of createReadStream(file.source.path)) {
        const bytes = chunk as Buffer;
        seen += bytes.length;
        if (seen > file.size) break;
        yield bytes;
      }
      if (seen !== file.size) {
        throw new IngotError('ISO_SOURCE_CHANGED', `ISO writer: "${file.source.path}" was ${file.size} bytes when the image was laid out and ${seen > file.size ? 'grew' : `is ${seen} bytes`} while it was written.`, {
          hint: 'Do not modify seed files while ingot writes the image; run the build again.',
        });
      }
    } else {
      yield Buffer.from(file.source.buffer, file.source.byteOffset, file.source.byteLength);
    }
    const tail = file.size % SECTOR;
    if (tail !== 0) yield Buffer.alloc(SECTOR - tail);
  }
}
