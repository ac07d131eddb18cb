// GET /export_raw_vdi (xapi.md §4.2): 200 + task-id + Connection: close, then the disk as raw
// (virtual_size bytes) or as a dynamic VHD holding only allocated blocks; no Content-Length — the
// end of the body is the connection closing. The outcome is also in the task.
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { vhdStreamFromFile } from '../../vhd/index.js';
import type { Lab } from '../context.js';
import { XapiFault } from '../fault.js';
import { MAX_VHD_SIZE } from '../handlers/vdi.js';
import { vdiFile } from '../storage.js';
import { checkCancelled, createTask, failTask, setProgress, succeedTask } from '../tasks.js';
import { authenticate } from './auth.js';
import { htmlError, requestParams } from './body.js';
import { resolveVdi, taskFor } from './vdi-target.js';

const CONTENT_TYPES: Record<string, string> = { raw: 'application/octet-stream', vhd: 'application/vhd' };

export async function handleExport(lab: Lab, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const params = requestParams(req);
  const caller = authenticate(lab, req, params);
  if (caller === undefined) return htmlError(res, 401, 'Unauthorised', { 'www-authenticate': 'Basic realm="xapi"' });
  const { session } = caller;
  try {
    const task = taskFor(lab, params, 'Exporting raw VDI', session, (label) => createTask(lab, label, '', session));
    const format = params.get('format') ?? 'raw';
    const vdiParam = params.get('vdi');
    const vdiRef = vdiParam === null ? undefined : resolveVdi(lab, vdiParam);
    if (vdiRef === undefined) {
      const fault = new XapiFault('HANDLE_INVALID', ['VDI', vdiParam ?? '']);
      failTask(lab, task, fault);
      return htmlError(res, 500, fault.message, { 'task-id': task });
    }
    const contentType = CONTENT_TYPES[format];
    if (contentType === undefined) {
      const fault = new XapiFault('INTERNAL_ERROR', [`Unknown format ${format}`]);
      failTask(lab, task, fault);
      return htmlError(res, 404, fault.message, { 'task-id': task });
    }
    const vdi = lab.db.get('VDI', vdiRef);
    // Close-delimited body: neither Content-Length nor chunked framing (Node adds chunked unless told).
    res.removeHeader('transfer-encoding');
    res.writeHead(200, {
      connection: 'close',
      'cache-control': 'no-cache, no-store',
      'task-id': task,
      'content-type': contentType,
      'content-disposition': `attachment; filename="${String(vdi.uuid)}.${format}"`,
    });
    try {
      const size = Number(vdi.virtual_size);
      let body: Readable;
      let total: number;
      if (format === 'raw') {
        body = createReadStream(vdiFile(lab, vdiRef), { start: 0, end: Math.max(0, size - 1), highWaterMark: 1024 * 1024 });
        total = size;
      } else {
        if (size > MAX_VHD_SIZE) throw new XapiFault('VDI_TOO_LARGE', [vdiRef, String(MAX_VHD_SIZE)]);
        const vhd = await vhdStreamFromFile(vdiFile(lab, vdiRef), { deterministic: false });
        body = vhd.stream;
        total = vhd.length;
      }
      let sent = 0;
      for await (const chunk of body) {
        sent += (chunk as Buffer).length;
        // A client that went away never drains: 'close' ends the wait, and the check below fails the task.
        if (!res.write(chunk) && !res.destroyed) await drainOrClose(res);
        setProgress(lab, task, total === 0 ? 1 : Math.min(0.99, sent / total));
        checkCancelled(lab, task);
        if (res.destroyed) throw new XapiFault('VDI_IO_ERROR', ['Device I/O errors']);
      }
      succeedTask(lab, task, `<value></value>`);
    } catch (error) {
      failTask(lab, task, error instanceof XapiFault ? error : new XapiFault('VDI_IO_ERROR', ['Device I/O errors']));
    }
    res.end(() => res.socket?.destroySoon());
  } finally {
    caller.release();
  }
}

/** Resolves when `res` drains or closes, and leaves no listener behind (one wait per full buffer). */
function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
