// Dynamic-header rules: vhd.md §3.1 rules 18–24, 26 and 29 (`vhd_util_check_validate_header`,
// `vhd_validate_header`, `…_differencing_header`), with the Q1 off-by-one fixed.
import { hex32, hex64, isZero, type CheckContext } from './check-context.js';
import { BLOCK_SIZE, DISK_DYNAMIC, FORMAT_VERSION, HEADER_SIZE, LOCATOR_CODES, NO_OFFSET, SECTOR, roundUp } from './constants.js';
import type { Footer } from './footer.js';
import { HEADER_OFFSETS as O, decodeHeader, headerChecksum, type Header } from './header.js';

/** Reads and judges the header; returns it when the BAT can be located from it. */
export async function checkHeader(ctx: CheckContext, footer: Footer): Promise<Header | undefined> {
  const at = Number(footer.dataOffset);
  if (footer.dataOffset < 512n || at + HEADER_SIZE > ctx.footerAt) {
    ctx.add('header.missing', 16, footer.dataOffset === NO_OFFSET ? hex64(footer.dataOffset) : String(footer.dataOffset), `a 1024-byte header between 512 and ${ctx.footerAt}`);
    return undefined;
  }
  const buf = await ctx.read(at, HEADER_SIZE);
  const h = decodeHeader(buf);
  if (h.cookie !== 'cxsparse') {
    ctx.add('header.cookie', at, JSON.stringify(h.cookie), '"cxsparse"');
    return undefined;
  }
  const sum = headerChecksum(buf);
  if (h.checksum !== sum) ctx.add('header.checksum', at + O.checksum, hex32(h.checksum), hex32(sum));
  if (h.headerVersion !== FORMAT_VERSION) ctx.add('header.version', at + O.headerVersion, hex32(h.headerVersion), hex32(FORMAT_VERSION));
  if (h.dataOffset !== NO_OFFSET) ctx.add('header.data-offset', at + O.dataOffset, hex64(h.dataOffset), hex64(NO_OFFSET));
  if (h.reserved !== 0) ctx.add('header.reserved', at + O.reserved, hex32(h.reserved), '0');
  const reserved2 = buf.subarray(O.reserved2);
  if (!isZero(reserved2)) ctx.add('header.reserved', at + O.reserved2 + reserved2.findIndex((b) => b !== 0), 'non-zero bytes in 768..1023', 'zeros');
  if (footer.diskType === DISK_DYNAMIC) checkNoParent(ctx, h, at);
  h.locators.forEach((l, i) => {
    if (!LOCATOR_CODES.has(l.platformCode)) ctx.add('header.locator-code', at + O.locators + i * 24, hex32(l.platformCode), 'one of 0, Wi2r, Wi2k, W2ru, W2ku, Mac, MacX');
  });

  const bs = h.blockSize;
  const bsValid = bs >= SECTOR && (bs & (bs - 1)) === 0;
  if (!bsValid) ctx.add('header.block-size', at + O.blockSize, String(bs), 'a power of two >= 512 (2097152)');
  else if (bs !== BLOCK_SIZE) ctx.add('header.block-size-xen', at + O.blockSize, String(bs), String(BLOCK_SIZE));
  if (bsValid) {
    const needed = Math.ceil(footer.currentSize / bs);
    if (h.maxTableEntries < needed) ctx.add('header.max-entries', at + O.maxTableEntries, String(h.maxTableEntries), `>= ${needed} (current_size / block size)`);
  }
  const batEnd = h.tableOffset + roundUp(h.maxTableEntries * 4, SECTOR);
  const overlapsHeader = h.tableOffset < at + HEADER_SIZE && batEnd > at;
  if (h.tableOffset % SECTOR !== 0 || h.tableOffset < 512 || overlapsHeader) {
    ctx.add('header.table-offset', at + O.tableOffset, String(h.tableOffset), `a multiple of 512 outside the footer copy and header (e.g. ${at + HEADER_SIZE})`);
    return undefined;
  }
  if (h.tableOffset + h.maxTableEntries * 4 > ctx.footerAt) {
    ctx.add('header.bat-bounds', at + O.maxTableEntries, `BAT ${h.tableOffset}..${h.tableOffset + h.maxTableEntries * 4}`, `ending by ${ctx.footerAt} (the trailing footer)`);
  }
  return bsValid ? h : undefined;
}

function checkNoParent(ctx: CheckContext, h: Header, at: number): void {
  if (!isZero(h.parentUuid)) ctx.add('header.parent-uuid', at + O.parentUuid, Buffer.from(h.parentUuid).toString('hex'), 'zeros for a dynamic disk');
  if (h.parentTimestamp !== 0) ctx.add('header.parent-timestamp', at + O.parentTimestamp, String(h.parentTimestamp), '0 for a dynamic disk');
  if (!isZero(h.parentName)) ctx.add('header.parent-name', at + O.parentName, 'a non-empty parent name', 'zeros for a dynamic disk');
  h.locators.forEach((l, i) => {
    if (l.platformCode !== 0 || l.dataSpace !== 0 || l.dataLength !== 0 || l.reserved !== 0 || l.dataOffset !== 0) {
      ctx.add('header.parent-locator', at + O.locators + i * 24, `entry ${i}: code ${hex32(l.platformCode)}, offset ${l.dataOffset}`, 'all eight entries zero for a dynamic disk');
    }
  });
}
