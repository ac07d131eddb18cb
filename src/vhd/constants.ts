// Fixed numbers of the VHD format and of the XenServer (blktap) flavour ingot writes.
// References: ../shared/reference/vhd.md §1 (layout) and §1.7 (batmap); Microsoft VHD spec v1.0.

export const SECTOR = 512;
/** blktap hard-codes 2 MiB blocks (`VHD_BLOCK_SHIFT = 21`); vhd.md §1.4, trap T11. */
export const BLOCK_SIZE = 2 * 1024 * 1024;
/** One bitmap sector precedes every 2 MiB block (4096 sectors → 512 bytes). */
export const BITMAP_SIZE = 512;
export const FOOTER_SIZE = 512;
export const HEADER_SIZE = 1024;
export const BATMAP_HEADER_SIZE = 512;
/** 2000-01-01T00:00:00Z in Unix seconds: VHD timestamps count from here (vhd.md §1.2, trap T7). */
export const VHD_EPOCH = 946_684_800;
/** blktap tolerates clocks up to 30 minutes ahead (`TIMESTAMP_MAX_SLACK`, vhd.md §3.1 rule 8). */
export const TIMESTAMP_SLACK = 1800;
export const UNUSED = 0xffff_ffff;
export const NO_OFFSET = 0xffff_ffff_ffff_ffffn;

export const FOOTER_COOKIE = 'conectix';
export const HEADER_COOKIE = 'cxsparse';
export const BATMAP_COOKIE = 'tdbatmap';
export const FORMAT_VERSION = 0x0001_0000;
export const FEATURE_TEMPORARY = 0x1;
export const FEATURE_RESERVED = 0x2;
/** `vhd-util create` writes creator "tap\0" version 1.3 (blktap `VHD_CURRENT_VERSION`). */
export const TAP_CREATOR = 'tap\0';
export const TAP_VERSION = 0x0001_0003;
export const BATMAP_VERSION = 0x0001_0002;

export const DISK_FIXED = 2;
export const DISK_DYNAMIC = 3;
export const DISK_DIFFERENCING = 4;

/** Spec maximum for a dynamic disk, also qemu's `VHD_MAX_SECTORS` (0xff000000 sectors). */
export const MAX_VIRTUAL_SIZE = 0xff00_0000 * SECTOR;
/** Rackspace Cloud Images import limit (rackspace.md §3.6: 160 GB since 2019; we read GB as GiB like the emulator). */
export const RACKSPACE_MAX_SIZE = 160 * 1024 ** 3;

/** Parent-locator platform codes blktap and ocaml-vhd accept (vhd.md §1.5). */
export const LOCATOR_CODES = new Set([0, 0x5769_3272, 0x5769_326b, 0x5732_7275, 0x5732_6b75, 0x4d61_6320, 0x4d61_6358]);

export const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;
