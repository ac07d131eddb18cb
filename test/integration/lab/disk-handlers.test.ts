// PUT /import_raw_vdi and GET /export_raw_vdi at the HTTP edge (xapi.md §4, §8.8-9): the reply
// before the body, the empty probe, chunked refused, 401, VHD validation, SR full, ref or UUID.
import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PASSWORD, USER, call, login, refByName, startTestLab, type TestLab } from '../../support/lab/lab.js';

const MiB = 1024 * 1024;
let lab: TestLab;
let session: string;
let work: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(method: string, path: string, query: Record<string, string>, opts: { headers?: Record<string, string>; body?: Buffer | Buffer[] } = {}): Promise<Reply> {
  const url = new URL(path, lab.url);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: opts.headers, ca: lab.certificate?.cert }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const parts = opts.body === undefined ? [] : Array.isArray(opts.body) ? opts.body : [opts.body];
    for (const p of parts) req.write(p);
    req.end();
  });
}

const put = (query: Record<string, string>, body: Buffer, headers: Record<string, string> = {}) =>
  send('PUT', '/import_raw_vdi', { session_id: session, ...query }, { body, headers: { 'content-length': String(body.length), ...headers } });

async function settled(task: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 400; i++) {
    const rec = await call<Record<string, unknown>>(lab, 'task.get_record', session, task);
    if (rec.status !== 'pending') return rec;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('task still pending');
}

async function newVdi(size: number, srName = 'Local storage'): Promise<string> {
  return call<string>(lab, 'VDI.create', session, { SR: refByName(lab, 'SR', srName), virtual_size: size, type: 'user', sharable: false, read_only: false, other_config: {} });
}

beforeAll(async () => {
  lab = await startTestLab({ srSizes: { ext: 24 * MiB } });
  session = await login(lab);
  work = await mkdtemp(join(tmpdir(), 'ingot-lab-http-'));
});
afterAll(async () => {
  await lab.stop();
  await rm(work, { recursive: true, force: true });
});

describe('PUT /import_raw_vdi', () => {
  test('answers 200 with task-id, Connection: close and no-cache before its body; the task carries the result', async () => {
    const vdi = await newVdi(2 * MiB);
    const task = await call<string>(lab, 'task.create', session, 'upload', '');
    const res = await put({ task_id: task, vdi, format: 'raw' }, randomBytes(MiB));
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ 'task-id': task, connection: 'close', 'cache-control': 'no-cache, no-store', 'content-type': 'application/octet-stream' });
    expect(res.body.length).toBe(0);
    expect(await settled(task)).toMatchObject({ status: 'success', progress: 1, result: `<value>${vdi}</value>` });
  });

  test('the empty probe PUT without task_id is accepted and touches nothing', async () => {
    const vdi = await newVdi(2 * MiB);
    const res = await put({ vdi, format: 'vhd' }, Buffer.alloc(0));
    expect(res.status).toBe(200);
    expect(typeof res.headers['task-id']).toBe('string');
    expect(await call(lab, 'VDI.get_physical_utilisation', session, vdi)).toBe(0);
  });

  test('Transfer-Encoding: chunked is refused with 404 and INTERNAL_ERROR in the task', async () => {
    const vdi = await newVdi(2 * MiB);
    const task = await call<string>(lab, 'task.create', session, 'upload', '');
    const res = await send('PUT', '/import_raw_vdi', { session_id: session, task_id: task, vdi }, { body: [Buffer.alloc(512)], headers: { 'transfer-encoding': 'chunked' } });
    expect(res.status).toBe(404);
    expect(await settled(task)).toMatchObject({ status: 'failure', error_info: ['INTERNAL_ERROR', 'Cannot handle encoding: chunked'] });
  });

  test('an unknown format is 404 with INTERNAL_ERROR ["Unknown format …"]', async () => {
    const vdi = await newVdi(2 * MiB);
    const task = await call<string>(lab, 'task.create', session, 'upload', '');
    const res = await put({ task_id: task, vdi, format: 'qcow3' }, Buffer.alloc(512));
    expect(res.status).toBe(404);
    expect((await settled(task)).error_info).toEqual(['INTERNAL_ERROR', 'Unknown format qcow3']);
  });

  test('a bad session is 401 with WWW-Authenticate, and the caller\'s task is not failed', async () => {
    const task = await call<string>(lab, 'task.create', session, 'upload', '');
    const res = await send('PUT', '/import_raw_vdi', { session_id: 'OpaqueRef:bad', task_id: task, vdi: 'x' }, { body: Buffer.alloc(0), headers: { 'content-length': '0' } });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect(await call(lab, 'task.get_status', session, task)).toBe('pending');
  });

  test('the VDI may be named by UUID', async () => {
    const vdi = await newVdi(2 * MiB);
    const uuid = await call<string>(lab, 'VDI.get_uuid', session, vdi);
    const task = await call<string>(lab, 'task.create', session, 'upload', '');
    await put({ task_id: task, vdi: uuid }, randomBytes(4096));
    expect((await settled(task)).result).toBe(`<value>${vdi}</value>`);
  });

  test('a fixed VHD, or one larger than the VDI, fails the task with VDI_IO_ERROR ["Device I/O errors"]', async () => {
    const fixed = join(work, 'fixed.vhd');
    await execa('qemu-img', ['create', '-q', '-f', 'vpc', '-o', 'subformat=fixed', fixed, '2M']);
    const large = join(work, 'large.vhd');
    await execa('qemu-img', ['create', '-q', '-f', 'vpc', '-o', 'subformat=dynamic', large, '64M']);
    for (const path of [fixed, large]) {
      const vdi = await newVdi(4 * MiB);
      const task = await call<string>(lab, 'task.create', session, 'upload', '');
      await put({ task_id: task, vdi, format: 'vhd' }, await readFile(path));
      expect(await settled(task)).toMatchObject({ status: 'failure', error_info: ['VDI_IO_ERROR', 'Device I/O errors'] });
    }
  });

  test('task.cancel during an upload ends the task cancelled with TASK_CANCELLED [task]', async () => {
    const vdi = await newVdi(4 * MiB);
    const task = await call<string>(lab, 'task.create', session, 'upload', '');
    const url = new URL('/import_raw_vdi', lab.url);
    for (const [k, v] of Object.entries({ session_id: session, task_id: task, vdi })) url.searchParams.set(k, v);
    const done = new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'PUT', headers: { 'content-length': String(2 * MiB) }, ca: lab.certificate?.cert }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(randomBytes(MiB));
      // The rest goes only once the cancel is recorded, so the handler meets it at its next check point.
      void call(lab, 'task.cancel', session, task).then(() => req.end(randomBytes(MiB)));
    });
    expect(await done).toBe(200);
    expect(await settled(task)).toMatchObject({ status: 'cancelled', error_info: ['TASK_CANCELLED', task] });
  });

  test('a thin SR that fills up fails the upload with SR_BACKEND_FAILURE_44', async () => {
    const vdi = await newVdi(64 * MiB); // thin SRs over-commit: the create succeeds
    const task = await call<string>(lab, 'task.create', session, 'upload', '');
    await put({ task_id: task, vdi, format: 'raw' }, randomBytes(32 * MiB));
    expect(await settled(task)).toMatchObject({ status: 'failure', error_info: ['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', ''] });
  });
});

describe('GET /export_raw_vdi', () => {
  test('Basic auth works as it does for packer; headers name the file; no Content-Length', async () => {
    const vdi = await newVdi(2 * MiB);
    const uuid = await call<string>(lab, 'VDI.get_uuid', session, vdi);
    const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    const res = await send('GET', '/export_raw_vdi', { vdi: uuid, format: 'raw' }, { headers: { authorization: auth } });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${uuid}.raw"`);
    expect(res.body.length).toBe(2 * MiB);
    const bad = await send('GET', '/export_raw_vdi', { vdi: uuid }, { headers: { authorization: `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}` } });
    expect(bad.status).toBe(401);
  });

  test('a missing VDI is HTTP 500', async () => {
    const res = await send('GET', '/export_raw_vdi', { session_id: session, vdi: 'OpaqueRef:none' });
    expect(res.status).toBe(500);
  });

  test('a client that reads slowly makes the export wait again and again, and gets every byte without a listener leak', async () => {
    const vdi = await newVdi(16 * MiB, 'Local LVM (thick)'); // the local SR is kept small here to test filling it
    const data = randomBytes(16 * MiB);
    const task = await call<string>(lab, 'task.create', session, 'upload', '');
    await put({ task_id: task, vdi, format: 'raw' }, data);
    expect(await settled(task)).toMatchObject({ status: 'success' });
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const url = new URL('/export_raw_vdi', lab.url);
      url.searchParams.set('session_id', session);
      url.searchParams.set('vdi', vdi);
      url.searchParams.set('format', 'raw');
      const body = await new Promise<Buffer>((resolve, reject) => {
        request(url, { ca: lab.certificate?.cert }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            res.pause(); // the server's writes back up and it waits for 'drain', over and over
            setTimeout(() => res.resume(), 1);
          });
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        }).on('error', reject).end();
      });
      expect(Buffer.compare(body, data)).toBe(0);
      await new Promise((r) => setTimeout(r, 50)); // process warnings arrive on a later tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });
});
