// The RPC endpoints: XML-RPC at / (and /RPC2, /xmlrpc: routing is by prefix) and JSON-RPC at
// /jsonrpc, with XAPI's exact content types and CORS header (xapi.md §1.1, §8.1-2).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toFault } from '../fault.js';
import type { DispatchResult } from '../dispatch.js';
import { JsonRpcMalformed, jsonFailure, jsonSuccess, parseJsonRpcCall } from '../wire/jsonrpc.js';
import { XmlParseError } from '../wire/xml.js';
import { parseXmlRpcCall, xmlBare, xmlFailure, xmlSuccess } from '../wire/xmlrpc.js';
import { htmlError, readBody } from './body.js';

export type Dispatcher = (method: string, params: unknown[]) => Promise<DispatchResult>;

function reply(res: ServerResponse, contentType: string, body: string): void {
  res.writeHead(200, {
    // Exactly these bytes: xen-api drops JSON-RPC for any other content type (xapi.md §1.3).
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'access-control-allow-origin': '*',
  });
  res.end(body);
}

export async function handleXmlRpc(req: IncomingMessage, res: ServerResponse, dispatch: Dispatcher): Promise<void> {
  let call;
  try {
    call = parseXmlRpcCall(await readBody(req));
  } catch (error) {
    if (!(error instanceof XmlParseError)) throw error;
    return htmlError(res, 500, `Xmlrpc.Parse_error(${JSON.stringify(error.message)})`);
  }
  try {
    const result = await dispatch(call.method, call.params);
    reply(res, 'text/xml', result.kind === 'bare' ? xmlBare(result.value) : xmlSuccess(result.value));
  } catch (error) {
    reply(res, 'text/xml', xmlFailure(toFault(error)));
  }
}

export async function handleJsonRpc(req: IncomingMessage, res: ServerResponse, dispatch: Dispatcher): Promise<void> {
  let call;
  try {
    call = parseJsonRpcCall(await readBody(req));
  } catch (error) {
    if (!(error instanceof JsonRpcMalformed)) throw error;
    return htmlError(res, 500, `Jsonrpc.Malformed_method_request(${JSON.stringify(error.message)})`);
  }
  try {
    const result = await dispatch(call.method, call.params);
    // system.listMethods is a plain result over JSON-RPC; "bare" only matters for XML-RPC.
    reply(res, 'application/json', jsonSuccess(call, result.value));
  } catch (error) {
    reply(res, 'application/json', jsonFailure(call, toFault(error)));
  }
}

