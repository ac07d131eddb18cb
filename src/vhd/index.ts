// The VHD engine's public API. Everything else in src/vhd is an implementation detail.
//
// Writing (raw → blktap-style dynamic VHD, vhd.md §4.3):
//   openRawFile(path) → RawSource; prepareVhd(source, opts, report) → { length, stream, … }
//     `length` is exact before the first byte (Content-Length); the stream re-reads the source.
//   vhdStreamFromFile(path, opts, report) → the same, closing the file when the stream ends.
//   convertToVhd(inPath, outPath, opts, report) → writes OUT.partial, renames to OUT.
// Reading (VHD → raw):
//   vhdToRawFile(vhdPath, rawPath, report); vhdStreamToRawFile(body, rawPath, report, length?, { existing? })
//     forward-only, out-of-order blocks handled without spooling, sparse target.
//   readVhdRaw(path) → AsyncGenerator<Buffer> of the disk bytes in order.
// Checking:
//   checkVhd(path, { maxSize }) → { verdict, findings[] }; RULES is the catalogue.
//   assertVhdImportable(path, opts) → the result, or throws VHD_CHECK_FAILED (pre-flight).
export { convertToVhd, type ConvertResult } from './convert-file.js';
export { assertVhdImportable, checkVhd, type CheckOptions, type CheckResult } from './checker.js';
export { RULES, type Finding, type Rule, type RuleId, type Severity } from './rules.js';
export { vhdToRawFile, vhdStreamToRawFile, type RawResult, type StreamReadOptions } from './reader.js';
export { readVhdRaw } from './raw-stream.js';
export { openRawFile, type RawSource } from './source.js';
export { prepareVhd, type PreparedVhd, type WriteOptions } from './writer.js';
export { vhdStreamFromFile } from './stream-file.js';
export { BlockScan, StreamAlloc, type Scanned } from './scan.js';
export { RACKSPACE_MAX_SIZE, BLOCK_SIZE, MAX_VIRTUAL_SIZE } from './constants.js';
export { parseSize } from './size.js';
