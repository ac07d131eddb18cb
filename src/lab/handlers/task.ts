// task.create/destroy/cancel and the task setters XO uses (xapi.md §1.6).
import type { Handler } from '../context.js';
import { XapiFault } from '../fault.js';
import { createTask, failTask, setProgress, succeedTask } from '../tasks.js';

const ref = (v: unknown): string => String(v);

export const TASK_HANDLERS: Record<string, Handler> = {
  'task.create': ({ lab, session }, [label, description]) => createTask(lab, String(label), String(description), session),
  'task.destroy': ({ lab }, [self]) => {
    const task = lab.db.get('task', self);
    // A pending task is only marked; it goes once it completes (xapi_task.ml destroy).
    if (task.status === 'pending') lab.destroyWhenDone.add(ref(self));
    else lab.db.delete('task', ref(self));
  },
  'task.cancel': ({ lab }, [self]) => {
    const task = lab.db.get('task', self);
    if (task.status !== 'pending') throw new XapiFault('OPERATION_NOT_ALLOWED', [`Task ${ref(self)} is not pending`]);
    const ops = { ...(task.current_operations as Record<string, string>), [ref(self)]: 'cancel' };
    lab.db.update('task', ref(self), { current_operations: ops });
  },
  'task.set_progress': ({ lab }, [self, value]) => {
    lab.db.get('task', self);
    setProgress(lab, ref(self), Number(value));
  },
  'task.set_result': ({ lab }, [self, value]) => {
    lab.db.update('task', ref(self), { result: value });
  },
  'task.set_error_info': ({ lab }, [self, value]) => {
    lab.db.update('task', ref(self), { error_info: value });
  },
  'task.set_status': ({ lab }, [self, value]) => {
    const task = lab.db.get('task', self);
    if (value === 'success') succeedTask(lab, ref(self), String(task.result));
    else if (value === 'failure') {
      const [code = 'INTERNAL_ERROR', ...params] = task.error_info as string[];
      failTask(lab, ref(self), new XapiFault(code, params));
    } else lab.db.update('task', ref(self), { status: value });
  },
};
