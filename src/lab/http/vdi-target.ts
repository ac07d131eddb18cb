// Resolves the disk handlers' common parameters: the caller, the task and the target VDI
// (a ref or a UUID, the ref tried first — importexport.ml vdi_of_req, xapi.md §4.1).
import type { Lab } from '../context.js';

export function resolveVdi(lab: Lab, value: string): string | undefined {
  if (lab.db.find('VDI', value)) return value;
  return lab.db.byUuid('VDI', value);
}

/** The transfer's task: the caller's `task_id` if it names a task, else one of our own. */
export function taskFor(lab: Lab, params: URLSearchParams, label: string, session: string, create: (label: string) => string): string {
  const given = params.get('task_id');
  if (given !== null && lab.db.find('task', given)) return given;
  return create(label);
}
