// Footer rules: vhd.md §3.1 rules 2–15 (`vhd_util_check_validate_footer`), the strict additions of
// §2.3 item 6 and §6, Rackspace's type/UUID/size rules (rackspace.md §5.1) and the "tap" advice.
import { hex32, hex64, isZero, printable, type CheckContext } from './check-context.js';
import { DISK_DIFFERENCING, DISK_DYNAMIC, DISK_FIXED, FEATURE_RESERVED, FOOTER_SIZE, FORMAT_VERSION, MAX_VIRTUAL_SIZE, NO_OFFSET, TAP_CREATOR, TAP_VERSION, TIMESTAMP_SLACK, VHD_EPOCH } from './constants.js';
import { FOOTER_OFFSETS as O, footerChecksum, type Footer } from './footer.js';
import { chs, formatGeometry, packGeometry } from './geometry.js';

const MIB2 = 2 * 1024 * 1024;

/** Field rules for the trailing footer at `at`; returns false if it is not a footer at all. */
export function checkFooter(ctx: CheckContext, buf: Buffer, f: Footer, at: number): boolean {
  if (f.cookie !== 'conectix') {
    ctx.add('footer.cookie', at, printable(f.cookie), '"conectix"');
    return false;
  }
  const sum = footerChecksum(buf);
  if (f.checksum !== sum) ctx.add('footer.checksum', at + O.checksum, hex32(f.checksum), hex32(sum));
  if ((f.features & FEATURE_RESERVED) === 0) ctx.add('footer.features-reserved', at + O.features, hex32(f.features), 'bit 0x00000002 set');
  if ((f.features & ~3) !== 0) ctx.add('footer.features-extra', at + O.features, hex32(f.features), 'only bits 0x1 and 0x2');
  if (f.formatVersion !== FORMAT_VERSION) ctx.add('footer.version', at + O.formatVersion, hex32(f.formatVersion), hex32(FORMAT_VERSION));
  if (f.diskType === DISK_FIXED && f.dataOffset !== NO_OFFSET) ctx.add('footer.data-offset', at + O.dataOffset, hex64(f.dataOffset), `${hex64(NO_OFFSET)} for a fixed disk`);
  // vhd-lib requires exactly 512 for dynamic disks, and the header belongs right after the copy (vhd.md §1.2).
  if ((f.diskType === DISK_DYNAMIC || f.diskType === DISK_DIFFERENCING) && f.dataOffset !== BigInt(FOOTER_SIZE)) {
    ctx.add('footer.data-offset', at + O.dataOffset, f.dataOffset === NO_OFFSET ? hex64(f.dataOffset) : String(f.dataOffset), '512 (the header follows the footer copy)');
  }
  const limit = Math.floor(ctx.now) - VHD_EPOCH + TIMESTAMP_SLACK;
  if (f.timestamp > limit) {
    const when = new Date((f.timestamp + VHD_EPOCH) * 1000).toISOString();
    ctx.add('footer.timestamp-future', at + O.timestamp, `${f.timestamp} (${when})`, `<= ${limit} (now + 30 min)`);
  }
  if (f.creatorApp.startsWith('tap') && (f.creatorVersion > TAP_VERSION || f.creatorVersion === 1)) {
    ctx.add('footer.tap-version', at + O.creatorVersion, hex32(f.creatorVersion), `0x00010000..${hex32(TAP_VERSION)}, not 0x00000001`);
  }
  const spec = chs(f.currentSize);
  if (packGeometry(f.geometry) > packGeometry(spec)) ctx.add('footer.geometry', at + O.geometry, formatGeometry(f.geometry), `<= ${formatGeometry(spec)} (spec CHS of current_size)`);
  if (f.diskType === DISK_DIFFERENCING) ctx.add('footer.differencing', at + O.diskType, '4 (differencing)', '2 (fixed) or 3 (dynamic)');
  else if (f.diskType !== DISK_FIXED && f.diskType !== DISK_DYNAMIC) ctx.add('footer.type', at + O.diskType, String(f.diskType), '2 (fixed) or 3 (dynamic)');
  if (f.savedState !== 0) ctx.add('footer.saved', at + O.savedState, String(f.savedState), '0');
  if (f.hidden !== 0) ctx.add('footer.hidden', at + O.hidden, String(f.hidden), '0');
  // The whole reserved area, from byte 86 — not blktap's off-by-one check that misses byte 86 (Q1).
  const reserved = buf.subarray(O.reserved, FOOTER_SIZE);
  if (!isZero(reserved)) {
    const first = reserved.findIndex((b) => b !== 0);
    ctx.add('footer.reserved', at + O.reserved + first, `byte ${O.reserved + first} = ${reserved[first]}`, 'zeros in bytes 86..511');
  }
  if (isZero(f.uuid)) ctx.add('footer.uuid-null', at + O.uuid, '00000000-0000-0000-0000-000000000000', 'a non-null UUID');
  checkSizes(ctx, f, at);
  checkCreator(ctx, f, at);
  return true;
}

function checkSizes(ctx: CheckContext, f: Footer, at: number): void {
  if (f.currentSize % 512 !== 0) ctx.add('footer.size-alignment', at + O.currentSize, String(f.currentSize), 'a multiple of 512');
  else if (f.currentSize % MIB2 !== 0) ctx.add('footer.size-2mib', at + O.currentSize, String(f.currentSize), `a multiple of 2 MiB (e.g. ${Math.ceil(f.currentSize / MIB2) * MIB2})`);
  if (f.originalSize > f.currentSize) ctx.add('footer.original-size', at + O.originalSize, String(f.originalSize), `<= ${f.currentSize}`);
  if (f.currentSize > MAX_VIRTUAL_SIZE) ctx.add('footer.size-max', at + O.currentSize, String(f.currentSize), `<= ${MAX_VIRTUAL_SIZE}`);
}

/** Rackspace's advice: only XenServer's own "tap\0" VHDs resize (rackspace.md §5.1, vhd.md §1.2.1). */
function checkCreator(ctx: CheckContext, f: Footer, at: number): void {
  if (f.creatorApp === TAP_CREATOR) return;
  const why: Record<string, string> = {
    qemu: 'qemu-img default output: CHS-rounded size, and Rackspace says qemu VHDs do not resize and builds fail',
    qem2: 'qemu-img force_size output: Rackspace says qemu VHDs do not resize and builds fail',
    'tap ': 'a "tap " creator with a space: qemu then reads a smaller CHS-based size',
  };
  const detail = why[f.creatorApp] ?? 'vhd-util resize refuses VHDs not created by XenServer, which Rackspace needs at boot';
  ctx.add('footer.creator', at + O.creatorApp, printable(f.creatorApp), '"tap\\0" (what XenServer\'s vhd-util writes)', detail);
}
