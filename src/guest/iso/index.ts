// ISO 9660 writer with Rock Ridge and Joliet names (ECMA-119, SUSP 1.10, RRIP 1.09, Joliet).
export { createIso, createIsoBuffer, createIsoFile, sourceDateEpoch, type IsoImage, type IsoOptions } from './writer.js';
export { isoFile, IsoFileRef, type IsoNode, type IsoTree } from './tree.js';
