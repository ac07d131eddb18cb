// The one connection to a XAPI host: the unmodified `xen-api` client, given a TLS dispatcher
// that verifies the host as configured, with ingot's error model and retry policy on top.
import { Agent as HttpsAgent } from 'node:https';
import { Agent as UndiciAgent } from 'undici';
import { Xapi, type XapiOptions } from 'xen-api';
import type { XapiConfig } from '../config/index.js';
import { IngotError } from '../errors/index.js';
import type { Redactor } from '../redact.js';
import { toIngotError, xapiFailure } from './errors.js';
import { withRetry } from './retry.js';
import { trustOptions, unreachable, type TrustOptions } from './tls.js';

export interface ConnectOptions {
  redactor: Redactor;
  signal?: AbortSignal;
  /** Classes whose objects the client keeps in its event-fed cache; must include 'task'. */
  watch?: string[];
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
]);

export class XapiClient {
  readonly url: URL;
  readonly raw: Xapi;
  readonly #close: () => Promise<void>;

  constructor(url: URL, raw: Xapi, close: () => Promise<void>) {
    this.url = url;
    this.raw = raw;
    this.#close = close;
  }

  /** A synchronous call, retried only on the codes that mean "try again" (src/xapi/retry.ts). */
  async call<T>(method: string, ...args: unknown[]): Promise<T> {
    try {
      return await withRetry(() => this.raw.call<T>(method, ...args));
    } catch (error) {
      throw toIngotError(error, method);
    }
  }

  /** An `Async.` call followed to its task's end (xen-api watches the task through events). */
  async callAsync<T>(method: string, ...args: unknown[]): Promise<T> {
    try {
      return await withRetry(() => this.raw.callAsync<T>(method, ...args));
    } catch (error) {
      throw toIngotError(error, method);
    }
  }

  /** Logs out and ends the client's connections, the event long poll included. */
  async disconnect(): Promise<void> {
    await this.#close().catch(() => undefined); // logging out of a dead session is not an error worth reporting
  }
}

export async function connectXapi(config: XapiConfig, opts: ConnectOptions): Promise<XapiClient> {
  if (config.url === undefined) {
    throw new IngotError('CONFIG_INVALID', 'no XAPI host is configured', {
      hint: 'Set INGOT_XAPI_URL (or xapi.url in the configuration file); `ingot lab up` prints one for the built-in lab host.',
    });
  }
  if (config.password === undefined) {
    throw new IngotError('CONFIG_INVALID', `no password is configured for ${config.username ?? 'root'} on ${config.url}`, {
      hint: 'Set INGOT_XAPI_PASSWORD_FILE (a file readable only by you) or INGOT_XAPI_PASSWORD.',
    });
  }
  const url = new URL(config.url);
  const tls = await trustOptions(url, config.tls, opts.signal);
  const VerifyingXapi = verifyingClass(tls, url.protocol === 'https:');
  const raw = new VerifyingXapi({
    url: url.origin,
    auth: { user: config.username ?? 'root', password: config.password },
    allowUnauthorized: false,
    watchEvents: opts.watch ?? ['task', 'VM', 'VM_guest_metrics', 'VDI', 'VBD'],
  });
  // Session ids are bearer credentials (they appear in HTTP handler URLs): mask them everywhere.
  raw.on('sessionId', (id: string) => opts.redactor.add(id));
  try {
    await raw.connect();
  } catch (error) {
    await raw.close();
    throw connectError(url, error);
  }
  return new XapiClient(url, raw, () => raw.close());
}

// xen-api builds its dispatcher with only `rejectUnauthorized` (xapi.md §1.8); it hands the
// dispatcher to its transport in `_setUrl`, which also runs after a HOST_IS_SLAVE redirect. So the
// verifying dispatcher is installed there: every RPC and HTTP-handler request uses it.
//
// xen-api's disconnect() sends session.logout without waiting for it and leaves its event loop's
// `event.from` long poll (60 s) in flight, which kept a finished command alive for up to a
// minute. close() waits for the logout's answer, then destroys the dispatcher, which ends the
// poll; the poll's failure is reported to xen-api as SESSION_INVALID, which sends its event loop
// back to wait for a reconnection that never comes, without a warning on stderr
// (docs/decisions.md, "Ending the XAPI event long poll").
function verifyingClass(tls: TrustOptions, https: boolean): new (opts: XapiOptions) => Xapi & { close(): Promise<void> } {
  const connect = { ...tls, minVersion: 'TLSv1.2' as const };
  const dispatcher = new UndiciAgent({ connect, headersTimeout: 300_000, bodyTimeout: 300_000 });
  const agent = https ? new HttpsAgent(connect) : undefined;
  return class VerifyingXapi extends Xapi {
    #closing = false;
    #logout: Promise<unknown> | undefined;

    override _setUrl(url: unknown): void {
      this._undiciDispatcher = dispatcher;
      this._httpAgent = agent;
      super._setUrl(url);
    }

    override async _call(method: string, args?: unknown[], timeout?: number): Promise<unknown> {
      const call = super._call(method, args, timeout);
      if (method === 'session.logout') this.#logout = call.catch(() => undefined);
      if (method !== 'event.from') return call;
      try {
        return await call;
      } catch (error) {
        if (this.#closing) throw Object.assign(new Error('the client closed its connections'), { code: 'SESSION_INVALID' });
        throw error;
      }
    }

    /** Logs out (waiting for the answer), then ends every connection, the event long poll included. */
    async close(): Promise<void> {
      this.#closing = true;
      await this.disconnect().catch(() => undefined);
      await this.#logout;
      await dispatcher.destroy().catch(() => undefined);
      agent?.destroy();
    }
  };
}

function connectError(url: URL, error: unknown): IngotError {
  if (xapiFailure(error)) return toIngotError(error, 'session.login_with_password');
  const code = (error as { code?: string; cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code;
  if (code !== undefined && TLS_CODES.has(code)) {
    return new IngotError('XAPI_TLS_UNTRUSTED', `the certificate of ${url.host} is not trusted (${code})`, {
      hint:
        'XCP-ng and Citrix Hypervisor hosts use a self-signed certificate by default: pin it with INGOT_XAPI_FINGERPRINT ' +
        '(its SHA-256 fingerprint), or give its CA with INGOT_XAPI_CA_FILE. A host reached through HOST_IS_SLAVE needs the ' +
        "coordinator's certificate to be trusted.",
      cause: error,
    });
  }
  if (error instanceof IngotError) return error;
  return unreachable(url, error);
}
