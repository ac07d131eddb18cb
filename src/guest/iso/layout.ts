// Assigns every structure its sectors. The order on the medium is the conventional one
// (genisoimage and libisofs use it too): system area, descriptors, path tables, directories,
// Rock Ridge continuation areas, file data. Nothing here touches file contents.
import { FIRST_DESCRIPTOR_SECTOR, SECTOR, sectorsFor } from './bytes.js';
import { pathRecordLength } from './records.js';
import { entrySize } from './rockridge.js';
import type { FileNode } from './tree.js';
import type { DirView, RecordPlan } from './views.js';

export interface PathTablePlan {
  size: number;
  l: number;
  m: number;
}

export interface FileExtent {
  source: FileNode['source'];
  size: number;
  extent: number;
}

export interface Layout {
  primaryTable: PathTablePlan;
  jolietTable: PathTablePlan;
  /** Continuation areas, one or more records' spilled entries per block. */
  continuationBlocks: Array<{ sector: number; records: RecordPlan[] }>;
  /** Each distinct file content once, in the order it is written. */
  files: FileExtent[];
  extentOf: Map<FileNode['source'], number>;
  /** Sectors before the first file's data: everything the writer builds in memory. */
  metadataSectors: number;
  totalSectors: number;
}

export function layOut(primary: DirView[], joliet: DirView[]): Layout {
  // 16: primary descriptor, 17: Joliet descriptor, 18: terminator (ECMA-119 §6.7.1).
  let sector = FIRST_DESCRIPTOR_SECTOR + 3;
  const table = (views: DirView[]): PathTablePlan => {
    const size = views.reduce((sum, v) => sum + pathRecordLength(v.identifier.length), 0);
    const plan = { size, l: sector, m: sector + sectorsFor(size) };
    sector += 2 * sectorsFor(size);
    return plan;
  };
  const primaryTable = table(primary);
  const jolietTable = table(joliet);

  for (const view of [...primary, ...joliet]) {
    view.size = directorySize(view.records);
    view.extent = sector;
    sector += view.size / SECTOR;
  }

  const continuationBlocks: Layout['continuationBlocks'] = [];
  let offset = SECTOR;
  for (const record of primary.flatMap((v) => v.records)) {
    if (record.spill.length === 0) continue;
    const length = record.spill.reduce((sum, e) => sum + entrySize(e), 0);
    // SUSP §5.1: a continuation area lies within one logical block; Linux reads just that block.
    if (offset + length > SECTOR) {
      continuationBlocks.push({ sector, records: [] });
      sector += 1;
      offset = 0;
    }
    const block = continuationBlocks.at(-1);
    if (block === undefined) throw new Error('unreachable: a continuation block was just added');
    block.records.push(record);
    record.continuation = { block: block.sector, offset, length };
    offset += length;
  }

  const metadataSectors = sector;
  const files: FileExtent[] = [];
  const extentOf = new Map<FileNode['source'], number>();
  for (const record of primary.flatMap((v) => v.records)) {
    if (record.target.kind !== 'file') continue;
    const { source, size } = record.target.file;
    if (extentOf.has(source)) continue; // the same content object is stored once
    // An empty file has no data and so no sectors; its record points at sector 0
    // (isoinfo and xorriso read it as empty: test/integration/guest/iso-writer.test.ts).
    const extent = size === 0 ? 0 : sector;
    extentOf.set(source, extent);
    if (size > 0) files.push({ source, size, extent });
    sector += sectorsFor(size);
  }
  return { primaryTable, jolietTable, continuationBlocks, files, extentOf, metadataSectors, totalSectors: sector };
}

/** Records never straddle a sector (§6.8.1.1): a record that does not fit starts the next one. */
export function directorySize(records: readonly RecordPlan[]): number {
  let sectors = 1;
  let used = 0;
  for (const r of records) {
    if (used + r.length > SECTOR) {
      sectors += 1;
      used = 0;
    }
    used += r.length;
  }
  return sectors * SECTOR;
}
