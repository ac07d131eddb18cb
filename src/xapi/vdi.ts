// VDIs: create, import a disk image into one, export one, resize, clone, destroy (xapi.md §3, §4).
import { type Readable, Transform } from 'node:stream';
import type { Report } from '../cli/events.js';
import { IngotError } from '../errors/index.js';
import type { XapiClient } from './client.js';
import { toIngotError } from './errors.js';
import { withRetry } from './retry.js';
import { buildOtherConfig, INGOT_TAG } from './tags.js';
import type { Ref, VDIRecord } from './types.generated.js';

export interface NewVdi {
  sr: Ref<'SR'>;
  virtualSize: number;
  nameLabel: string;
  nameDescription: string;
  buildId: string;
  readOnly?: boolean;
}

export async function createVdi(xapi: XapiClient, v: NewVdi): Promise<Ref<'VDI'>> {
  // Exactly the constructor record XAPI expects (xapi.md §3.2): required keys all present.
  return xapi.call<Ref<'VDI'>>('VDI.create', {
    name_label: v.nameLabel,
    name_description: v.nameDescription,
    SR: v.sr,
    virtual_size: v.virtualSize,
    type: 'user',
    sharable: false,
    read_only: v.readOnly ?? false,
    other_config: buildOtherConfig(v.buildId),
    xenstore_data: {},
    sm_config: {},
    tags: [INGOT_TAG],
  });
}

export interface ImportBody {
  /** Exact byte count: XAPI's import handler needs Content-Length (xapi.md §4.1). */
  length: number;
  stream: Readable;
}

/** Streams a raw or VHD image into a VDI through PUT /import_raw_vdi; resolves when XAPI's task succeeds. */
export async function importIntoVdi(xapi: XapiClient, vdi: Ref<'VDI'>, format: 'raw' | 'vhd', body: ImportBody, report: Report, stage: string): Promise<void> {
  const counted = Object.assign(body.stream.pipe(progressCounter(body.length, report, stage)), { length: body.length });
  try {
    await xapi.raw.putResource(counted, '/import_raw_vdi/', { query: { format, vdi }, task: true });
  } catch (error) {
    throw toIngotError(error, `import into VDI ${vdi} (format=${format})`);
  }
}

/**
 * GET /export_raw_vdi as a stream. The body is sniffed first: a failing export can arrive as an
 * HTTP error page inside a 200 body (xen-api#4603, xapi.md §4.2). `done` settles with XAPI's task.
 */
export async function exportVdi(xapi: XapiClient, vdi: Ref<'VDI'>, format: 'raw' | 'vhd'): Promise<{ stream: Readable; done: Promise<unknown> }> {
  let response;
  try {
    response = await xapi.raw.getResource('/export_raw_vdi/', { query: { format, vdi }, task: true });
  } catch (error) {
    throw toIngotError(error, `export of VDI ${vdi}`);
  }
  const done = (response.task ?? Promise.resolve()).catch((error: unknown) => {
    throw toIngotError(error, `export of VDI ${vdi}`);
  });
  done.catch(() => undefined); // observed by the caller; never an unhandled rejection
  return { stream: format === 'vhd' ? response.body.pipe(sniffVhd(vdi)) : response.body, done };
}

export async function resizeVdi(xapi: XapiClient, vdi: Ref<'VDI'>, bytes: number): Promise<void> {
  await xapi.call('VDI.resize', vdi, bytes);
}

export async function getVdi(xapi: XapiClient, vdi: Ref<'VDI'>): Promise<VDIRecord> {
  return xapi.call<VDIRecord>('VDI.get_record', vdi);
}

/** VDI.destroy, retried while dom0 still holds the disk right after a transfer (xapi.md §3.2, as XO does). */
export async function destroyVdi(xapi: XapiClient, vdi: Ref<'VDI'>): Promise<void> {
  await withRetry(() => xapi.raw.call('VDI.destroy', vdi), { tries: 10, firstDelayMs: 1_000 }).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'HANDLE_INVALID') return; // already gone: the goal is reached
    throw toIngotError(error, 'VDI.destroy');
  });
}

function progressCounter(total: number, report: Report, stage: string): Transform {
  let done = 0;
  let last = 0;
  const started = performance.now();
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      done += chunk.length;
      const now = performance.now();
      if (now - last > 500 || done === total) {
        last = now;
        report({ event: 'progress', stage, done, total, unit: 'bytes', rate: done / Math.max(0.001, (now - started) / 1000) });
      }
      callback(null, chunk);
    },
  });
}

function sniffVhd(vdi: string): Transform {
  let head = Buffer.alloc(0);
  let checked = false;
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      if (checked) return callback(null, chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length < 8) return callback();
      checked = true;
      if (head.subarray(0, 8).toString('latin1') !== 'conectix') {
        const start = head.subarray(0, 200).toString('latin1').replace(/\s+/g, ' ');
        return callback(new IngotError('XAPI_ERROR', `the export of VDI ${vdi} is not a VHD: it starts with "${start.slice(0, 80)}"`, {
          hint: 'The host failed the export after sending its headers (xen-api#4603). Check the SR and the host logs, then retry.',
        }));
      }
      callback(null, head);
    },
    flush(callback) {
      if (!checked) return callback(new IngotError('XAPI_ERROR', `the export of VDI ${vdi} ended after ${head.length} bytes`, { hint: 'Retry; check the host if it persists.' }));
      callback();
    },
  });
}
