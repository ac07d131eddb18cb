// Tasks and events as xapi.md §1.6/§1.7/§8.6-7 describe them, over hand-written JSON-RPC calls.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, fault, login, post, refByName, startTestLab, type TestLab } from '../../support/lab/lab.js';

type Rec = Record<string, unknown>;
interface Batch {
  events: { id: string; class: string; operation: string; ref: string; snapshot?: Rec }[];
  valid_ref_counts: Record<string, number>;
  token: string;
}
let lab: TestLab;
let session: string;

beforeAll(async () => {
  lab = await startTestLab();
  session = await login(lab);
});
afterAll(async () => {
  await lab.stop();
});

async function settle(task: string): Promise<Rec> {
  for (let i = 0; i < 200; i++) {
    const rec = await call<Rec>(lab, 'task.get_record', session, task);
    if (rec.status !== 'pending') return rec;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`task ${task} still pending`);
}

describe('tasks', () => {
  test('Async.* returns a task at once; success has progress 1, a finished time and an XML-RPC result fragment even over JSON-RPC', async () => {
    const template = refByName(lab, 'VM', 'Debian Bookworm 12');
    const task = await call<string>(lab, 'Async.VM.clone', session, template, 'async clone');
    expect(task).toMatch(/^OpaqueRef:/);
    const rec = await settle(task);
    expect(rec).toMatchObject({ status: 'success', progress: 1, name_label: 'Async.VM.clone', error_info: [] });
    expect(rec.result).toMatch(/^<value>OpaqueRef:[0-9a-f-]{36}<\/value>$/);
    expect(rec.finished).not.toBe('19700101T00:00:00Z');
  });

  test('a void Async result is "<value></value>"; a failure is status "failure" with error_info [CODE, …params]', async () => {
    const vm = await call<string>(lab, 'VM.clone', session, refByName(lab, 'VM', 'Debian Bookworm 12'), 'void');
    expect((await settle(await call<string>(lab, 'Async.VM.provision', session, vm))).result).toBe('<value></value>');
    const failing = await settle(await call<string>(lab, 'Async.VM.clean_shutdown', session, vm));
    expect(failing).toMatchObject({ status: 'failure', progress: 1, error_info: ['VM_BAD_POWER_STATE', vm, 'running', 'halted'] });
  });

  test('task.create makes a pending task; cancel of a finished task is OPERATION_NOT_ALLOWED; destroy removes it', async () => {
    const task = await call<string>(lab, 'task.create', session, 'upload', '');
    expect(await call(lab, 'task.get_status', session, task)).toBe('pending');
    await call(lab, 'task.set_progress', session, task, 0.5);
    expect(await call(lab, 'task.get_progress', session, task)).toBe(0.5);
    const done = await call<string>(lab, 'Async.VM.clone', session, refByName(lab, 'VM', 'Other install media'), 'x');
    await settle(done);
    expect((await fault(lab, 'task.cancel', session, done)).code).toBe('OPERATION_NOT_ALLOWED');
    await call(lab, 'task.destroy', session, done);
    expect(await fault(lab, 'task.get_record', session, done)).toEqual({ code: 'HANDLE_INVALID', params: ['task', done] });
  });
});

describe('events', () => {
  test('event.inject returns a token from which event.from returns that object as a mod, with a snapshot and valid_ref_counts', async () => {
    const token = await call<string>(lab, 'event.inject', session, 'pool', lab.lab.poolRef);
    expect(token).toMatch(/^\d{20},\d{20}$/);
    const batch = await call<Batch>(lab, 'event.from', session, ['pool'], token, 5);
    expect(batch.events).toHaveLength(1);
    expect(batch.events[0]).toMatchObject({ class: 'pool', operation: 'mod', ref: lab.lab.poolRef });
    expect(batch.events[0]?.snapshot).toHaveProperty('other_config');
    expect(batch.valid_ref_counts).toMatchObject({ pool: 1, host: 1, task: expect.any(Number) });
  });

  test('classes are matched case-insensitively; an object created then deleted between polls is only a del, without snapshot', async () => {
    const { token } = await call<Batch>(lab, 'event.from', session, ['VM'], await call<string>(lab, 'event.inject', session, 'pool', lab.lab.poolRef), 0);
    const vm = await call<string>(lab, 'VM.clone', session, refByName(lab, 'VM', 'Other install media'), 'short-lived');
    await call(lab, 'VM.destroy', session, vm);
    const batch = await call<Batch>(lab, 'event.from', session, ['vm'], token, 5);
    const mine = batch.events.filter((e) => e.ref === vm);
    expect(mine).toEqual([expect.objectContaining({ class: 'vm', operation: 'del', ref: vm })]);
    expect(mine[0]).not.toHaveProperty('snapshot');
  });

  test('an idle event.from returns an empty batch once its timeout expires', async () => {
    const { token } = await call<Batch>(lab, 'event.from', session, ['SM'], await call<string>(lab, 'event.inject', session, 'pool', lab.lab.poolRef), 0);
    const started = Date.now();
    const batch = await call<Batch>(lab, 'event.from', session, ['SM'], token, 0.3);
    expect(batch.events).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('an unparsable token is EVENT_FROM_TOKEN_PARSE_FAILURE [token]; a bad inject is HANDLE_INVALID', async () => {
    expect(await fault(lab, 'event.from', session, ['*'], 'not-a-token', 1)).toEqual({ code: 'EVENT_FROM_TOKEN_PARSE_FAILURE', params: ['not-a-token'] });
    expect(await fault(lab, 'event.inject', session, 'VM', 'OpaqueRef:none')).toEqual({ code: 'HANDLE_INVALID', params: ['VM', 'OpaqueRef:none'] });
  });

  test('over XML-RPC the timeout may be a <double> and valid_ref_counts are <i4>', async () => {
    const token = await call<string>(lab, 'event.inject', session, 'pool', lab.lab.poolRef);
    const body = `<?xml version="1.0"?><methodCall><methodName>event.from</methodName><params><param><value>${session}</value></param><param><value><array><data><value>pool</value></data></array></value></param><param><value>${token}</value></param><param><value><double>60.1</double></value></param></params></methodCall>`;
    const res = await post(lab, '/', body);
    expect(res.body).toContain('<member><name>valid_ref_counts</name><value><struct><member><name>session</name><value><i4>');
    expect(res.body).toContain('<member><name>class</name><value>pool</value></member>');
  });
});

test('a token from before a restart of the lab is EVENTS_LOST, so clients resync', async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'ingot-lab-events-'));
  try {
    const first = await startTestLab({ dir });
    const s1 = await login(first);
    const token = await call<string>(first, 'event.inject', s1, 'pool', first.lab.poolRef);
    await first.stop();
    const second = await startTestLab({ dir });
    const s2 = await login(second);
    expect(await fault(second, 'event.from', s2, ['*'], token, 1)).toEqual({ code: 'EVENTS_LOST', params: [] });
    const fresh = await call<string>(second, 'event.inject', s2, 'pool', second.lab.poolRef);
    expect((await call<Batch>(second, 'event.from', s2, ['pool'], fresh, 1)).events).toHaveLength(1);
    await second.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
