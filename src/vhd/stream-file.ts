// A raw file as a ready-to-send VHD stream whose length is known up front (for HTTP PUTs).
import { silent, type Report } from '../cli/events.js';
import { openRawFile } from './source.js';
import { prepareVhd, type PreparedVhd, type WriteOptions } from './writer.js';

/** Like `prepareVhd` on `openRawFile(path)`; the file closes when the stream ends, fails or is destroyed. */
export async function vhdStreamFromFile(path: string, opts: WriteOptions, report: Report = silent): Promise<PreparedVhd> {
  const source = await openRawFile(path);
  try {
    const vhd = await prepareVhd(source, opts, report);
    vhd.stream.once('close', () => void source.close().catch(() => undefined /* already closed: nothing to release */));
    return vhd;
  } catch (error) {
    await source.close();
    throw error;
  }
}
