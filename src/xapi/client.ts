// The one connection to a XAPI host: the unmodified `xen-api` client, given a TLS dispatcher
// that verifies the host as configured, with ingot's error model and retry policy on top.
import { Agent as HttpsAgent } from 'node:https';
import { Agent as UndiciAgent } from 'undici';
import { Xapi } from 'xen-api';
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

  constructor(url: URL, raw: Xapi) {
    this.url = url;
    this.raw = raw;
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

  async disconnect(): Promise<void> {
    await this.raw.disconnect().catch(() => undefined); // logging out of a dead session is not an error worth reporting
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
    await raw.disconnect().catch(() => undefined);
    throw connectError(url, error);
  }
  return new XapiClient(url, raw);
}

// xen-api builds its dispatcher with only `rejectUnauthorized` (xapi.md §1.8); it hands the
// dispatcher to its transport in `_setUrl`, which also runs after a HOST_IS_SLAVE redirect. So the
// verifying dispatcher is installed there: every RPC and HTTP-handler request uses it.
function verifyingClass(tls: TrustOptions, https: boolean): typeof Xapi {
  const connect = { ...tls, minVersion: 'TLSv1.2' as const };
  const dispatcher = new UndiciAgent({ connect, headersTimeout: 300_000, bodyTimeout: 300_000 });
  const agent = https ? new HttpsAgent(connect) : undefined;
  return class VerifyingXapi extends Xapi {
    override _setUrl(url: unknown): void {
      this._undiciDispatcher = dispatcher;
      this._httpAgent = agent;
      super._setUrl(url);
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
