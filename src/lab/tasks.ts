// Task records and their life cycle (xapi.md §1.6): pending → success|failure|cancelled, progress
// 0 → 1, `result` an XML-RPC <value> fragment even for JSON-RPC clients, `status` "failure" (never
// "failed"), destroy-while-pending deferred to completion, completed tasks GC'd beyond 200.
import type { Lab } from './context.js';
import { NULL_REF, xapiDate } from './db.js';
import { XapiFault } from './fault.js';

const MAX_TASKS = 200;

/** `session` is accepted for the day task.* checks the caller's user (xapi.md §1.4); the lab has one user. */
export function createTask(lab: Lab, label: string, description: string, _session: string): string {
  return lab.db.create('task', {
    name_label: label,
    name_description: description,
    status: 'pending',
    progress: 0,
    result: '',
    error_info: [],
    created: xapiDate(),
    finished: '19700101T00:00:00Z',
    type: '<none/>',
    backtrace: '()',
    resident_on: lab.hostRef,
    subtask_of: NULL_REF,
    other_config: {},
  });
}

function pending(lab: Lab, task: string): boolean {
  return lab.db.find('task', task)?.status === 'pending';
}

export function setProgress(lab: Lab, task: string | undefined, progress: number): void {
  if (task === undefined || !pending(lab, task)) return;
  const rounded = Math.round(Math.min(1, Math.max(0, progress)) * 100) / 100;
  if (lab.db.get('task', task).progress !== rounded) lab.db.update('task', task, { progress: rounded });
}

export function succeedTask(lab: Lab, task: string, resultXml: string): void {
  if (!pending(lab, task)) return;
  lab.db.update('task', task, { status: 'success', progress: 1, result: resultXml, finished: xapiDate() });
  settled(lab, task);
}

export function failTask(lab: Lab, task: string, fault: XapiFault): void {
  if (!pending(lab, task)) return;
  const cancelled = fault.code === 'TASK_CANCELLED';
  lab.db.update('task', task, {
    status: cancelled ? 'cancelled' : 'failure',
    progress: 1,
    error_info: [fault.code, ...fault.params],
    finished: xapiDate(),
    backtrace: `((error ${fault.code}))`,
  });
  settled(lab, task);
}

/** Throws TASK_CANCELLED [task] if task.cancel was called: handlers call it at their check points. */
export function checkCancelled(lab: Lab, task: string | undefined): void {
  if (task === undefined) return;
  const rec = lab.db.find('task', task);
  const ops = (rec?.current_operations ?? {}) as Record<string, string>;
  if (Object.values(ops).includes('cancel')) throw new XapiFault('TASK_CANCELLED', [task]);
}

function settled(lab: Lab, task: string): void {
  if (lab.destroyWhenDone.delete(task)) {
    // Let the final state reach event watchers first (xapi.md §8.7).
    setTimeout(() => lab.db.find('task', task) && lab.db.delete('task', task), 1000).unref();
  }
  const done = lab.db.all('task').filter(([, t]) => t.status !== 'pending');
  if (done.length <= MAX_TASKS) return;
  done.sort((a, b) => String(a[1].finished).localeCompare(String(b[1].finished)));
  for (const [ref] of done.slice(0, done.length - MAX_TASKS)) lab.db.delete('task', ref);
}
