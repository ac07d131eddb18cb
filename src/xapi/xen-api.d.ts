// Types for the parts of the `xen-api` npm client (4.7.x, plain JS) that ingot uses.
// Shapes from node_modules/xen-api/index.mjs and ../shared/reference/xapi.md §1.8, §4.6.
declare module 'xen-api' {
  import { EventEmitter } from 'node:events';
  import type { Readable } from 'node:stream';

  export interface XapiOptions {
    url: string;
    auth?: { user: string; password: string } | { sessionId: string };
    allowUnauthorized?: boolean;
    watchEvents?: boolean | string[];
    transport?: 'auto' | 'json-rpc' | 'xml-rpc';
    callTimeout?: number;
    httpInactivityTimeout?: number;
    eventPollDelay?: number;
  }

  export interface XapiResponse {
    statusCode: number;
    headers: Record<string, string | string[] | undefined>;
    body: Readable;
    task?: Promise<unknown>;
  }

  export interface ResourceOptions {
    host?: unknown;
    query?: Record<string, string>;
    task?: boolean | string;
  }

  export class Xapi extends EventEmitter {
    constructor(opts: XapiOptions);
    connect(): Promise<void>;
    disconnect(): Promise<void>;
    readonly sessionId: string | undefined;
    /** The pool record, wrapped by xen-api (`$ref`, `$id` …); set once connected. */
    readonly pool: { $ref: string; [field: string]: unknown };
    readonly status: 'connected' | 'connecting' | 'disconnected';
    readonly objects: EventEmitter & { all: Record<string, Record<string, unknown>> };
    readonly objectsFetched: Promise<void>;
    call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
    callAsync<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
    getResource(pathname: string, opts?: ResourceOptions): Promise<XapiResponse>;
    putResource(body: Buffer | (Readable & { length?: number }), pathname: string, opts?: ResourceOptions): Promise<unknown>;
    barrier(ref?: string): Promise<void>;
    watchTask(ref: string): Promise<unknown>;
    // Internals ingot replaces to verify TLS (src/xapi/client.ts; docs/decisions.md).
    _undiciDispatcher: unknown;
    _httpAgent: unknown;
    _setUrl(url: unknown): void;
    /** Every RPC goes through here (the default timeout applies when `timeout` is undefined). */
    _call(method: string, args?: unknown[], timeout?: number): Promise<unknown>;
  }

  export function createClient(opts: XapiOptions): Xapi;
}
