// The rule catalogue of `ingot check`: every rule id, its severity, the Rackspace import error it
// predicts, and the fix. Rule numbers "(n)" refer to vhd.md §3.1 (`vhd-util check`, in order);
// Rackspace codes to rackspace.md §3.5 (396 not a VHD, 413/609 size, 523 type, 614 UUID, 721 parent,
// 111 any other validation failure).

export type Severity = 'error' | 'warning';

export interface Rule {
  severity: Severity;
  /** Rackspace Cloud Images import error this predicts, when it would be rejected at import. */
  rackspace?: number;
  title: string;
  fix: string;
}

const REMAKE = "Re-create the VHD with 'ingot convert' (raw, qcow2, vmdk or vhd in).";

export const RULES = {
  'file.unreadable': { severity: 'error', title: 'the file cannot be read', fix: 'Check the path and permissions; ingot checks regular files only.' },
  'file.too-small': { severity: 'error', rackspace: 396, title: 'the file is smaller than one footer', fix: REMAKE },
  'file.size-alignment': { severity: 'error', rackspace: 396, title: 'the file size is not a multiple of 512 (30)', fix: `A 511-byte legacy footer or a stray byte; ${REMAKE}` },
  'footer.cookie': { severity: 'error', rackspace: 396, title: 'the trailing footer cookie is not "conectix" (2)', fix: `The file is not a VHD, or it was truncated. ${REMAKE}` },
  'footer.checksum': { severity: 'error', rackspace: 396, title: 'the footer checksum is wrong (3)', fix: `The footer is corrupt. ${REMAKE}` },
  'footer.features-reserved': { severity: 'error', rackspace: 111, title: 'the footer "reserved" feature bit 0x2 is clear (4)', fix: REMAKE },
  'footer.features-extra': { severity: 'error', rackspace: 111, title: 'the footer has unknown feature bits (5)', fix: REMAKE },
  'footer.version': { severity: 'error', rackspace: 396, title: 'the footer format version is not 1.0 (6)', fix: REMAKE },
  'footer.data-offset': { severity: 'error', rackspace: 111, title: 'the footer data offset is wrong for the disk type (7)', fix: REMAKE },
  'footer.timestamp-future': { severity: 'error', rackspace: 111, title: 'the creation time is in the future (8)', fix: 'Fix the clock of the machine that wrote it (or the tool: Unix-epoch timestamps are a known bug, vhd.md T7) and re-create the VHD.' },
  'footer.tap-version': { severity: 'error', rackspace: 111, title: 'the "tap" creator version is unsupported (9, 27)', fix: REMAKE },
  'footer.geometry': { severity: 'error', rackspace: 111, title: 'the CHS geometry is larger than the disk size allows (10)', fix: `qemu-img's force_size writes this (vhd.md T3); ${REMAKE}` },
  'footer.type': { severity: 'error', rackspace: 523, title: 'the disk type is not fixed (2) or dynamic (3) (11)', fix: REMAKE },
  'footer.differencing': { severity: 'error', rackspace: 721, title: 'the VHD is a differencing disk (it has a parent)', fix: "Coalesce it into its parent first (e.g. 'qemu-img convert' of the chain), then 'ingot convert'." },
  'footer.saved': { severity: 'error', rackspace: 111, title: 'the saved-state flag is set (12)', fix: 'Boot and shut down the VM cleanly, then export the disk again.' },
  'footer.hidden': { severity: 'error', rackspace: 111, title: 'the blktap "hidden" byte is not 0 (13)', fix: "A hidden VHD is an internal node of a XenServer chain; export the leaf VDI instead, or 'ingot convert' it." },
  'footer.reserved': { severity: 'error', rackspace: 111, title: 'the footer reserved bytes are not zero (14)', fix: REMAKE },
  'footer.uuid-null': { severity: 'error', rackspace: 614, title: 'the VHD unique id is all zeros (15)', fix: `Old qemu-img builds wrote null UUIDs. ${REMAKE}` },
  'footer.size-alignment': { severity: 'error', rackspace: 111, title: 'current_size is not a multiple of 512', fix: REMAKE },
  'footer.size-2mib': { severity: 'warning', title: 'current_size is not a multiple of 2 MiB', fix: `XenServer rounds VDIs to 2 MiB and reports whole MiB; readers may disagree on the last bytes. ${REMAKE}` },
  'footer.original-size': { severity: 'error', rackspace: 111, title: 'original_size is larger than current_size', fix: REMAKE },
  'footer.size-max': { severity: 'error', rackspace: 413, title: 'current_size exceeds the VHD maximum of 2040 GiB', fix: 'Shrink the disk.' },
  'footer.copy-mismatch': { severity: 'error', rackspace: 111, title: 'the footer copy at offset 0 differs from the trailing footer (17)', fix: REMAKE },
  'footer.creator': { severity: 'warning', title: 'the creator is not "tap" (XenServer)', fix: `Rackspace: "If the creator-application is qemu, the VHD doesn't resize, and any builds from this image fail." ${REMAKE}` },
  'fixed.size': { severity: 'error', rackspace: 396, title: 'a fixed VHD must be current_size data bytes plus the footer', fix: REMAKE },
  'fixed.not-sparse': { severity: 'warning', title: 'a fixed VHD is not sparse', fix: `Its whole virtual size counts against the physical-size limit, and XAPI's VHD import does not take fixed disks. ${REMAKE}` },
  'rax.virtual-size': { severity: 'error', rackspace: 413, title: 'the virtual size exceeds the import limit', fix: 'Shrink the disk (filesystem and partitions first) below the limit, or raise --max-size if your account allows more.' },
  'rax.physical-size': { severity: 'error', rackspace: 609, title: 'the file size exceeds the import limit', fix: 'Zero free space in the guest and re-convert (zero blocks are not stored), or shrink the disk.' },
  'header.missing': { severity: 'error', rackspace: 111, title: 'the dynamic header is not inside the file', fix: REMAKE },
  'header.cookie': { severity: 'error', rackspace: 111, title: 'the dynamic header cookie is not "cxsparse" (18)', fix: REMAKE },
  'header.checksum': { severity: 'error', rackspace: 111, title: 'the dynamic header checksum is wrong (19)', fix: REMAKE },
  'header.version': { severity: 'error', rackspace: 111, title: 'the dynamic header version is not 1.0 (20)', fix: REMAKE },
  'header.data-offset': { severity: 'error', rackspace: 111, title: 'the header data offset is not all ones (21)', fix: REMAKE },
  'header.table-offset': { severity: 'error', rackspace: 111, title: 'the BAT offset is unaligned or inside the header (22)', fix: REMAKE },
  'header.bat-bounds': { severity: 'error', rackspace: 111, title: 'the BAT does not fit before the trailing footer (22)', fix: REMAKE },
  'header.block-size': { severity: 'error', rackspace: 111, title: 'the block size is not a power of two of at least 512 (23)', fix: REMAKE },
  'header.block-size-xen': { severity: 'error', rackspace: 111, title: 'the block size is not 2 MiB, the only size XenServer handles (26)', fix: REMAKE },
  'header.max-entries': { severity: 'error', rackspace: 111, title: 'the BAT has fewer entries than the disk has blocks (31, 33)', fix: REMAKE },
  'header.reserved': { severity: 'error', rackspace: 111, title: 'the header reserved fields are not zero (24)', fix: REMAKE },
  'header.parent-uuid': { severity: 'error', rackspace: 721, title: 'a dynamic disk names a parent UUID (29)', fix: REMAKE },
  'header.parent-timestamp': { severity: 'error', rackspace: 721, title: 'a dynamic disk has a parent timestamp (29)', fix: REMAKE },
  'header.parent-name': { severity: 'error', rackspace: 721, title: 'a dynamic disk has a parent name (29)', fix: REMAKE },
  'header.parent-locator': { severity: 'error', rackspace: 721, title: 'a dynamic disk has parent locators (29)', fix: REMAKE },
  'header.locator-code': { severity: 'error', rackspace: 111, title: 'a parent locator has an unknown platform code (26, 36)', fix: REMAKE },
  'bat.clobbers-metadata': { severity: 'error', rackspace: 111, title: 'a block starts inside the metadata (34)', fix: REMAKE },
  'bat.clobbers-footer': { severity: 'error', rackspace: 111, title: 'a block runs into the trailing footer or past the end of the file (34)', fix: `The file is truncated or its BAT is corrupt. ${REMAKE}` },
  'bat.overlap': { severity: 'error', rackspace: 111, title: 'two blocks overlap (34)', fix: REMAKE },
  'bat.beyond-disk': { severity: 'error', rackspace: 111, title: 'a BAT entry past the end of the disk is allocated', fix: REMAKE },
  'block.bitmap-clear-data': { severity: 'error', rackspace: 111, title: 'a sector whose bitmap bit is clear holds data (34, -b)', fix: `qemu returns that data, libvhdi and XenServer return zeros: the disk reads differently in each. ${REMAKE}` },
  'layout.trailing-gap': { severity: 'warning', title: 'unused space before the trailing footer', fix: 'It is uploaded and counted against the physical-size limit for nothing; re-convert to drop it.' },
  'batmap.missing': { severity: 'error', rackspace: 111, title: 'a "tap" ≥ 1.2 VHD has no batmap after its BAT (32, 35)', fix: `tapdisk cannot open it read-write (vhd.md T2). ${REMAKE}` },
  'batmap.version': { severity: 'error', rackspace: 111, title: 'the batmap version is newer than 1.2 (35)', fix: REMAKE },
  'batmap.checksum': { severity: 'error', rackspace: 111, title: 'the batmap checksum is wrong (35)', fix: REMAKE },
  'batmap.size': { severity: 'error', rackspace: 111, title: 'the batmap is too small for the BAT (35)', fix: REMAKE },
  'batmap.offset': { severity: 'error', rackspace: 111, title: 'the batmap is unaligned or outside the file (35)', fix: REMAKE },
  'batmap.unallocated-full': { severity: 'error', rackspace: 111, title: 'the batmap marks an unallocated block full (35)', fix: REMAKE },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;

export interface Finding {
  rule: RuleId;
  severity: Severity;
  /** Absolute byte offset of the offending field or structure. */
  offset: number;
  found: string;
  expected: string;
  fix: string;
  message: string;
  rackspace?: number;
}

export function finding(rule: RuleId, offset: number, found: string, expected: string, detail?: string): Finding {
  const r: Rule = RULES[rule];
  return {
    rule, severity: r.severity, offset, found, expected, fix: r.fix,
    message: detail ? `${r.title}: ${detail}` : r.title,
    ...(r.rackspace === undefined ? {} : { rackspace: r.rackspace }),
  };
}
