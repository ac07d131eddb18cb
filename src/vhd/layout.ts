// Where everything goes in a blktap-style dynamic VHD, computed from the disk size and the set of
// non-zero blocks before the first byte is written (vhd.md §4.3, "strategy A").
import { batmapChecksum, batmapSectors, encodeBatmapHeader, setBit } from './batmap.js';
import { BATMAP_HEADER_SIZE, BITMAP_SIZE, BLOCK_SIZE, FOOTER_SIZE, HEADER_SIZE, SECTOR, UNUSED, roundUp } from './constants.js';
import { encodeDynamicHeader } from './header.js';

export interface Layout {
  /** current_size = original_size: the raw size rounded up to 2 MiB (vhd.md §2.3 item 5, trap T6). */
  currentSize: number;
  entries: number;
  tableOffset: number;
  batBytes: number;
  batmapHeaderOffset: number;
  batmapOffset: number;
  mapBytes: number;
  firstBlockOffset: number;
  allocatedBlocks: number;
  fileSize: number;
  bat: Uint32Array;
  map: Uint8Array;
}

/** `allocated(i)` says whether block i holds any non-zero byte. */
export function planLayout(rawSize: number, allocated: (i: number) => boolean): Layout {
  const currentSize = Math.max(BLOCK_SIZE, roundUp(rawSize, BLOCK_SIZE));
  const entries = currentSize / BLOCK_SIZE;
  const tableOffset = FOOTER_SIZE + HEADER_SIZE;
  const batBytes = roundUp(entries * 4, SECTOR);
  const batmapHeaderOffset = tableOffset + batBytes;
  const batmapOffset = batmapHeaderOffset + BATMAP_HEADER_SIZE;
  const mapBytes = batmapSectors(entries) * SECTOR;
  const firstBlockOffset = batmapOffset + mapBytes;
  const bat = new Uint32Array(entries).fill(UNUSED);
  const map = new Uint8Array(mapBytes);
  let next = firstBlockOffset;
  let allocatedBlocks = 0;
  for (let i = 0; i < entries; i++) {
    if (!allocated(i)) continue;
    bat[i] = next / SECTOR;
    // All-ones block bitmaps make every allocated block "full", so its batmap bit is set (vhd.md §1.7).
    setBit(map, i);
    next += BITMAP_SIZE + BLOCK_SIZE;
    allocatedBlocks++;
  }
  // BAT entries are uint32 sector numbers: nothing may start at or past 2 TiB (vhd.md §1.6).
  if (next / SECTOR > UNUSED) throw new RangeError(`VHD would be ${next} bytes; blocks cannot start past 2 TiB`);
  return {
    currentSize, entries, tableOffset, batBytes, batmapHeaderOffset, batmapOffset, mapBytes, firstBlockOffset,
    allocatedBlocks, fileSize: next + FOOTER_SIZE, bat, map,
  };
}

/** Header, BAT (padding 0xFF, like qemu), batmap header and map: the bytes between the footer copy and block 0. */
export function encodeMetadata(layout: Layout): Buffer {
  const out = Buffer.alloc(layout.firstBlockOffset - FOOTER_SIZE, 0xff);
  encodeDynamicHeader({ tableOffset: layout.tableOffset, maxTableEntries: layout.entries, blockSize: BLOCK_SIZE }).copy(out, 0);
  const batAt = layout.tableOffset - FOOTER_SIZE;
  for (let i = 0; i < layout.entries; i++) out.writeUInt32BE(layout.bat[i] as number, batAt + i * 4);
  const batmapHeader = encodeBatmapHeader({
    batmapOffset: layout.batmapOffset,
    batmapSize: layout.mapBytes / SECTOR,
    checksum: batmapChecksum(layout.map, layout.currentSize),
  });
  batmapHeader.copy(out, layout.batmapHeaderOffset - FOOTER_SIZE);
  out.set(layout.map, layout.batmapOffset - FOOTER_SIZE);
  return out;
}
