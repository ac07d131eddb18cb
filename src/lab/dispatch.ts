// Routes one RPC to its handler the way XAPI's generated server does (xapi.md §1.5): wire names
// `Class.method` or `Class_method`, MESSAGE_METHOD_UNKNOWN, MESSAGE_PARAMETER_COUNT_MISMATCH
// (counts exclude the session and trailing defaulted parameters), SESSION_INVALID, parameter
// coercion, and `Async.*` returning a task ref at once.
import type { CallContext, Handler, Lab } from './context.js';
import { coerce } from './coerce.js';
import type { MessageDef } from './datamodel/types.js';
import { DATAMODEL } from './datamodel/generated.js';
import { XapiFault, toFault } from './fault.js';
import { genericHandler } from './generic.js';
import { HANDLERS } from './handlers/index.js';
import { createTask, failTask, succeedTask } from './tasks.js';
import { type Wire, encode, str } from './wire/value.js';
import { xmlValue } from './wire/xmlrpc.js';

/** Trailing parameters with defaults, which xenapi.json does not record (datamodel.ml). */
const DEFAULTED: Record<string, number> = {
  'session.login_with_password': 2, // version = "1.1", originator = "" (xapi.md §1.4)
  'VDI.copy': 2, // base_vdi, into_vdi (xapi.md §1.5)
};

/** Classes whose messages have no Async form (xapi.md §1.6). */
const SYNC_ONLY = new Set(['session', 'task', 'event']);

export type DispatchResult = { kind: 'value'; value: Wire } | { kind: 'bare'; value: Wire };

interface Resolved {
  cls: string;
  wire: string;
  message: MessageDef;
}

function resolve(method: string): Resolved | undefined {
  const dot = method.indexOf('.');
  const candidates: [string, string][] = [];
  if (dot > 0) candidates.push([method.slice(0, dot), method.slice(dot + 1)]);
  else for (const cls of Object.keys(DATAMODEL.classes)) if (method.startsWith(`${cls}_`)) candidates.push([cls, method.slice(cls.length + 1)]);
  for (const [cls, name] of candidates) {
    const message = DATAMODEL.classes[cls]?.messages.find((m) => m.name === name);
    if (message !== undefined) return { cls, wire: `${cls}.${name}`, message };
  }
  return undefined;
}

function isAccessor(name: string): boolean {
  return /^(get_|set_|add_|remove_)/.test(name);
}

/** Every synchronous wire name, for system.listMethods (xapi.md §1.2). */
export function listMethods(): string[] {
  const names: string[] = [];
  for (const [cls, def] of Object.entries(DATAMODEL.classes)) for (const m of def.messages) names.push(`${cls}.${m.name}`);
  return names;
}

export async function dispatch(lab: Lab, method: string, params: unknown[]): Promise<DispatchResult> {
  if (method === 'system.listMethods') return { kind: 'bare', value: encode(listMethods(), ['set', 'string']) };
  if (method === 'system.isAlive') return { kind: 'value', value: str(String(params[0] ?? '')) };

  const isAsync = method.startsWith('Async.');
  const resolved = resolve(isAsync ? method.slice(6) : method);
  if (resolved === undefined || (isAsync && (SYNC_ONLY.has(resolved.cls) || isAccessor(resolved.message.name)))) {
    throw new XapiFault('MESSAGE_METHOD_UNKNOWN', [method]);
  }
  const { cls, wire, message } = resolved;
  const takesSession = message.params[0]?.name === 'session_id';
  const declared = message.params.slice(takesSession ? 1 : 0);
  const required = declared.length - (DEFAULTED[wire] ?? 0);
  const received = Math.max(0, params.length - (takesSession ? 1 : 0));
  if (received < required || received > declared.length) {
    throw new XapiFault('MESSAGE_PARAMETER_COUNT_MISMATCH', [method, String(required), String(received)]);
  }

  let session = '';
  if (takesSession) {
    session = String(params[0]);
    if (lab.db.find('session', session) === undefined) throw new XapiFault('SESSION_INVALID', [session]);
  }
  const args = params.slice(takesSession ? 1 : 0).map((value, i) => {
    const p = declared[i];
    return p === undefined ? value : coerce(value, p.type, p.name);
  });

  const handler: Handler | undefined = HANDLERS[wire] ?? genericHandler(cls, message.name);
  if (handler === undefined) throw new XapiFault('NOT_IMPLEMENTED', [wire]);
  const ctx: CallContext = { lab, method: wire, session, task: undefined };

  if (!isAsync) return { kind: 'value', value: toWire(await handler(ctx, args), message) };

  const task = createTask(lab, method, '', session);
  // The call returns the task ref at once; the work reports through the task (xapi.md §1.6).
  setImmediate(() => {
    Promise.resolve()
      .then(() => handler({ ...ctx, task }, args))
      .then(
        (result) => succeedTask(lab, task, xmlValue(toWire(result, message))),
        (error: unknown) => failTask(lab, task, toFault(error)),
      );
  });
  return { kind: 'value', value: str(task) };
}

function toWire(result: unknown, message: MessageDef): Wire {
  if (message.result === 'event_batch') return result as Wire;
  return encode(result, message.result);
}
