// Volume descriptors (ECMA-119 §8): the primary one, the Joliet supplementary one (same layout,
// type 2, UCS-2 text and an escape sequence naming UCS-2 level 3) and the set terminator.
import { SECTOR, both16, both32, padAscii, padUcs2, volumeDate } from './bytes.js';

export interface VolumeFields {
  joliet: boolean;
  volumeId: string;
  volumeSectors: number;
  pathTableSize: number;
  lPathTable: number;
  mPathTable: number;
  rootRecord: Buffer;
  epochSeconds: number;
  applicationId: string;
}

export function encodeVolumeDescriptor(f: VolumeFields): Buffer {
  const buf = Buffer.alloc(SECTOR);
  buf[0] = f.joliet ? 2 : 1;
  buf.write('CD001', 1, 'latin1');
  buf[6] = 1;
  const text = f.joliet ? padUcs2 : padAscii;
  text(buf, 8, 32, ''); // system identifier
  // The label is written as given (lower case "cidata"/"config-2"): cloud-init and blkid match it
  // verbatim, and genisoimage does the same although d-characters are upper case (xapi.md §5.4).
  text(buf, 40, 32, f.volumeId);
  both32(buf, 80, f.volumeSectors);
  // Joliet §3: escape sequence "%/E" selects UCS-2 level 3 in the otherwise unused field at 88.
  if (f.joliet) buf.write('%/E', 88, 'latin1');
  both16(buf, 120, 1); // volume set size
  both16(buf, 124, 1); // volume sequence number
  both16(buf, 128, SECTOR); // logical block size
  both32(buf, 132, f.pathTableSize);
  buf.writeUInt32LE(f.lPathTable, 140);
  buf.writeUInt32LE(0, 144); // no optional L table
  buf.writeUInt32BE(f.mPathTable, 148);
  buf.writeUInt32BE(0, 152);
  f.rootRecord.copy(buf, 156);
  text(buf, 190, 128, ''); // volume set
  text(buf, 318, 128, ''); // publisher
  text(buf, 446, 128, ''); // data preparer
  text(buf, 574, 128, f.applicationId);
  text(buf, 702, 37, ''); // copyright file
  text(buf, 739, 37, ''); // abstract file
  text(buf, 776, 37, ''); // bibliographic file
  volumeDate(buf, 813, f.epochSeconds); // creation
  volumeDate(buf, 830, f.epochSeconds); // modification
  volumeDate(buf, 847, undefined); // expiration: never
  volumeDate(buf, 864, f.epochSeconds); // effective
  buf[881] = 1; // file structure version
  return buf;
}

export function encodeTerminator(): Buffer {
  const buf = Buffer.alloc(SECTOR);
  buf[0] = 255;
  buf.write('CD001', 1, 'latin1');
  buf[6] = 1;
  return buf;
}
