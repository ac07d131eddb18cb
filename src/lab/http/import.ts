// PUT /import_raw_vdi (xapi.md §4.1, §8.8-9): 200 + task-id + Connection: close before the body
// is read, the outcome only in the task; the empty probe PUT without task_id is accepted;
// Transfer-Encoding: chunked is refused with 404 + INTERNAL_ERROR; VHD uploads must be dynamic
// with the footer copy at offset 0 and fit the VDI, else VDI_IO_ERROR ["Device I/O errors"].
import type { IncomingMessage, ServerResponse } from 'node:http';
import { open } from 'node:fs/promises';
import { vhdStreamToRawFile } from '../../vhd/index.js';
import type { Lab } from '../context.js';
import { XapiFault, toFault } from '../fault.js';
import { SparseWriter } from '../sparse-writer.js';
import { insufficientSpace, isThick, refreshUsage, srFree, vdiFile } from '../storage.js';
import { checkCancelled, createTask, failTask, setProgress, succeedTask } from '../tasks.js';
import { createVdi } from '../handlers/vdi.js';
import { authenticate } from './auth.js';
import { htmlError, requestParams } from './body.js';
import { resolveVdi, taskFor } from './vdi-target.js';

const ioError = (): XapiFault => new XapiFault('VDI_IO_ERROR', ['Device I/O errors']);

export async function handleImport(lab: Lab, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const params = requestParams(req);
  const caller = authenticate(lab, req, params);
  if (caller === undefined) {
    req.resume();
    return htmlError(res, 401, 'Unauthorised', { 'www-authenticate': 'Basic realm="xapi"' });
  }
  try {
    await importInto(lab, req, res, params, caller.session);
  } finally {
    caller.release();
  }
}

async function importInto(lab: Lab, req: IncomingMessage, res: ServerResponse, params: URLSearchParams, session: string): Promise<void> {
  const task = taskFor(lab, params, 'Importing raw VDI', session, (label) => createTask(lab, label, '', session));
  const refuse = (status: number, fault: XapiFault): void => {
    failTask(lab, task, fault);
    req.resume();
    htmlError(res, status, fault.message, { 'task-id': task });
  };
  const format = params.get('format') ?? 'raw';
  if (/\bchunked\b/i.test(String(req.headers['transfer-encoding'] ?? ''))) return refuse(404, new XapiFault('INTERNAL_ERROR', ['Cannot handle encoding: chunked']));
  // tar and qcow2 exist on newer XAPI; the lab answers them as an older host does (docs/lab.md).
  if (format !== 'raw' && format !== 'vhd') return refuse(404, new XapiFault('INTERNAL_ERROR', [`Unknown format ${format}`]));
  if (params.has('chunked')) {
    const what = format === 'raw' ? "XAPI's chunked framing is not supported by the lab" : 'Cannot handle chunked VHD';
    return refuse(404, new XapiFault('INTERNAL_ERROR', [what]));
  }
  const length = Number(req.headers['content-length'] ?? 0);
  let vdiRef: string | undefined;
  const vdiParam = params.get('vdi');
  if (vdiParam !== null) {
    vdiRef = resolveVdi(lab, vdiParam);
    if (vdiRef === undefined) return refuse(404, new XapiFault('HANDLE_INVALID', ['VDI', vdiParam]));
  } else {
    const srParam = params.get('sr_id') ?? params.get('sr_uuid');
    const srRef = srParam === null ? undefined : lab.db.find('SR', srParam) ? srParam : lab.db.byUuid('SR', srParam);
    if (srRef === undefined) return refuse(400, new XapiFault('VDI_MISSING', []));
    if (format !== 'raw') return refuse(400, new XapiFault('INTERNAL_ERROR', ['a VHD import needs a vdi parameter']));
    try {
      vdiRef = await createVdi(lab, { name_label: 'Imported VDI', name_description: '', SR: srRef, virtual_size: length, type: 'user', sharable: false, read_only: false, other_config: {}, sm_config: {}, xenstore_data: {}, tags: [] });
    } catch (error) {
      return refuse(400, toFault(error));
    }
  }

  res.writeHead(200, {
    connection: 'close',
    'cache-control': 'no-cache, no-store',
    'task-id': task,
    'content-type': 'application/octet-stream',
  });
  res.flushHeaders();
  try {
    if (format === 'raw') await importRaw(lab, req, vdiRef, task, length);
    else await importVhd(lab, req, vdiRef, task, length);
    await refreshUsage(lab, String(lab.db.get('VDI', vdiRef).SR));
    succeedTask(lab, task, `<value>${vdiRef}</value>`);
  } catch (error) {
    await refreshUsage(lab, String(lab.db.get('VDI', vdiRef).SR)).catch(() => undefined); // what was written still occupies space
    failTask(lab, task, toFault(error));
    req.resume();
  } finally {
    // No response body: XAPI closes the connection (xapi.md §4.1 step 3).
    res.end(() => res.socket?.destroySoon());
  }
}

async function importRaw(lab: Lab, req: IncomingMessage, vdiRef: string, task: string, length: number): Promise<void> {
  const vdi = lab.db.get('VDI', vdiRef);
  const sr = lab.db.get('SR', vdi.SR);
  const size = Number(vdi.virtual_size);
  const fh = await open(vdiFile(lab, vdiRef), 'r+');
  try {
    const budget = isThick(sr) ? Number.MAX_SAFE_INTEGER : srFree(lab, String(vdi.SR)) + Number(vdi.physical_utilisation);
    const writer = new SparseWriter(fh, budget);
    let received = 0;
    try {
      for await (const chunk of req) {
        received += (chunk as Buffer).length;
        // Raw bytes are written as they come; past the VDI's end is an I/O error (vhd-tool).
        if (received > size) throw ioError();
        await writer.write(chunk as Buffer);
        setProgress(lab, task, length === 0 ? 1 : received / length);
        checkCancelled(lab, task);
      }
    } catch (error) {
      await writer.finish();
      // A connection cut mid-body is the same I/O error; what arrived stays written, as on XAPI
      // (xen-api's "missing length" upload relies on that and ignores the VDI_IO_ERROR, §4.6).
      throw error instanceof XapiFault ? error : ioError();
    }
    await writer.finish();
    if (received < length) throw ioError();
  } finally {
    await fh.close();
  }
}

/** Prepends bytes already read to the rest of a stream. */
async function* prefixed(head: Buffer, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (head.length > 0) yield head;
  yield* rest;
}

async function importVhd(lab: Lab, req: IncomingMessage, vdiRef: string, task: string, length: number): Promise<void> {
  const vdi = lab.db.get('VDI', vdiRef);
  const iterator = req[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 512) {
    const next = await iterator.next();
    if (next.done === true) break;
    head = Buffer.concat([head, next.value as Buffer]);
  }
  // vhd-tool reads strictly forward: the footer copy must be at offset 0 (a fixed VHD fails here),
  // the disk dynamic (type 3), and its virtual size must fit the VDI (xapi.md §4.1, §8.9).
  if (head.length < 512 || head.toString('latin1', 0, 8) !== 'conectix' || head.readUInt32BE(60) !== 3) throw ioError();
  if (Number(head.readBigUInt64BE(48)) > Number(vdi.virtual_size)) throw ioError();
  const rest = { [Symbol.asyncIterator]: () => iterator } as AsyncIterable<Uint8Array>;
  let seen = head.length;
  const counted = (async function* () {
    for await (const chunk of prefixed(head, rest)) {
      seen += chunk === head ? 0 : chunk.length;
      setProgress(lab, task, length === 0 ? 1 : Math.min(0.99, seen / length));
      checkCancelled(lab, task);
      yield chunk;
    }
  })();
  const path = vdiFile(lab, vdiRef);
  try {
    await vhdStreamToRawFile(counted, path);
  } catch (error) {
    if (error instanceof XapiFault) throw error;
    throw ioError();
  } finally {
    // The reader sizes the file to the VHD; the VDI keeps its own virtual size.
    const fh = await open(path, 'r+');
    await fh.truncate(Number(vdi.virtual_size)).finally(() => fh.close());
  }
  const sr = lab.db.get('SR', vdi.SR);
  const allocated = await lab.storage.allocated(path);
  if (!isThick(sr) && allocated > srFree(lab, String(vdi.SR)) + Number(vdi.physical_utilisation)) {
    await lab.storage.create(path, Number(vdi.virtual_size)); // give the space back
    throw insufficientSpace();
  }
}
