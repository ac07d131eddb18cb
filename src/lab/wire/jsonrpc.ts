// JSON-RPC as XAPI speaks it at /jsonrpc (xapi.md §1.3): v2 success without an `error` key, v2
// errors {code: 1, message: CODE, data: [params]}, and v1 {result, error, id} when the request has
// no "jsonrpc" member. Ints are numbers, datetimes strings.
import type { XapiFault } from '../fault.js';
import type { Wire } from './value.js';
import type { RpcCall } from './xmlrpc.js';

export interface JsonRpcCall extends RpcCall {
  id: string | number;
  version: 1 | 2;
}

export class JsonRpcMalformed extends Error {}

/** Parses a request; a missing or null `id` is a notification, which XAPI rejects (ocaml-rpc). */
export function parseJsonRpcCall(body: string): JsonRpcCall {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new JsonRpcMalformed(`not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new JsonRpcMalformed('expected an object');
  const req = parsed as Record<string, unknown>;
  const { id, method } = req;
  if (typeof id !== 'number' && typeof id !== 'string') throw new JsonRpcMalformed('id must be a number or a string');
  if (typeof method !== 'string') throw new JsonRpcMalformed('method must be a string');
  const raw = req.params;
  // XAPI treats a single object as one parameter (xapi.md §1.3).
  const params = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return { id, method, params, version: req.jsonrpc === undefined ? 1 : 2 };
}

export function jsonValue(w: Wire): unknown {
  switch (w.t) {
    case 'array':
      return w.v.map(jsonValue);
    case 'struct':
      return Object.fromEntries(w.v.map(([k, v]) => [k, jsonValue(v)]));
    default:
      return w.v;
  }
}

export function jsonSuccess(call: JsonRpcCall, value: Wire): string {
  if (call.version === 1) return JSON.stringify({ result: jsonValue(value), error: null, id: call.id });
  return JSON.stringify({ jsonrpc: '2.0', result: jsonValue(value), id: call.id });
}

export function jsonFailure(call: JsonRpcCall, fault: XapiFault): string {
  if (call.version === 1) return JSON.stringify({ result: null, error: [fault.code, ...fault.params], id: call.id });
  // error_code_lit = 1 (xapi api_server_common.ml).
  return JSON.stringify({ jsonrpc: '2.0', error: { code: 1, message: fault.code, data: fault.params }, id: call.id });
}
