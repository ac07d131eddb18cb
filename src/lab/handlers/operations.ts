// VM current_operations and OTHER_OPERATION_IN_PROGRESS (xapi.md §3.2, §7). While an operation runs
// it is listed in current_operations (keyed by its task, or a fresh ref for a synchronous call);
// another operation on the same VM is refused — except hard_shutdown, which XAPI lets interrupt a
// clean shutdown or a start, and operations on templates, which may run side by side (clones).
// Parameters are [class, ref]: the form before xapi 25.27, which the lab's software_version claims.
import { randomUUID } from 'node:crypto';
import type { Handler } from '../context.js';
import { XapiFault } from '../fault.js';

export function vmOperation(op: string, handler: Handler): Handler {
  return async (ctx, args) => {
    const vmRef = String(args[0]);
    const vm = ctx.lab.db.find('VM', vmRef);
    if (vm === undefined || vm.is_a_template === true) return handler(ctx, args);
    const running = Object.values(vm.current_operations as Record<string, string>);
    if (running.length > 0 && !(op === 'hard_shutdown' && !running.includes('destroy'))) {
      throw new XapiFault('OTHER_OPERATION_IN_PROGRESS', ['VM', vmRef]);
    }
    const id = ctx.task ?? `OpaqueRef:${randomUUID()}`;
    ctx.lab.db.update('VM', vmRef, { current_operations: { ...(vm.current_operations as Record<string, string>), [id]: op } });
    try {
      return await handler(ctx, args);
    } finally {
      const now = ctx.lab.db.find('VM', vmRef);
      if (now !== undefined) {
        const ops = { ...(now.current_operations as Record<string, string>) };
        delete ops[id];
        ctx.lab.db.update('VM', vmRef, { current_operations: ops });
      }
    }
  };
}

/** Wraps the VM handlers whose operations XAPI tracks. */
export function trackVmOperations(handlers: Record<string, Handler>): Record<string, Handler> {
  const out = { ...handlers };
  for (const op of ['start', 'unpause', 'clean_shutdown', 'hard_shutdown', 'shutdown', 'clone', 'copy', 'provision', 'destroy']) {
    const handler = out[`VM.${op}`];
    if (handler !== undefined) out[`VM.${op}`] = vmOperation(op, handler);
  }
  return out;
}
