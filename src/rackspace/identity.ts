// Rackspace Identity v2.0: authenticate with an API key (or password), keep the token until shortly
// before it expires, and hand out a fresh one after a 401 (rackspace.md §1). Every token is
// registered with the Redactor the moment it arrives.
import { IngotError } from '../errors/index.js';
import type { Redactor } from '../redact.js';
import type { CatalogEntry } from './catalog.js';
import { request, type HttpClient, type TokenSource } from './http.js';

/** Rackspace's one global Identity endpoint (rackspace.md §1.1). */
export const DEFAULT_IDENTITY_URL = 'https://identity.api.rackspacecloud.com/v2.0';

export interface Credentials {
  username: string;
  apiKey?: string;
  password?: string;
}

export interface Access {
  token: string;
  expiresAt: number;
  tenantId: string | undefined;
  defaultRegion: string | undefined;
  catalog: CatalogEntry[];
}

interface AccessBody {
  access?: {
    token?: { id?: string; expires?: string; tenant?: { id?: string } };
    serviceCatalog?: CatalogEntry[];
    user?: { 'RAX-AUTH:defaultRegion'?: string };
  };
}

/** `…/v2.0` → `…/v2.0/tokens`; a URL already ending in /tokens is kept; a bare host gets both. */
export function tokensUrl(identityUrl: string): string {
  const base = identityUrl.replace(/\/+$/, '');
  if (/\/tokens$/.test(base)) return base;
  return /\/v2\.0$/.test(base) ? `${base}/tokens` : `${base}/v2.0/tokens`;
}

/** The auth body; `RAX-KSKEY:apiKeyCredentials` with `apiKey`, not the table's casing (trap 4). */
export function authBody(credentials: Credentials): unknown {
  if (credentials.apiKey !== undefined) {
    return { auth: { 'RAX-KSKEY:apiKeyCredentials': { username: credentials.username, apiKey: credentials.apiKey } } };
  }
  if (credentials.password !== undefined) {
    return { auth: { passwordCredentials: { username: credentials.username, password: credentials.password } } };
  }
  throw new IngotError('RAX_CREDENTIALS_MISSING', `no API key or password for Rackspace user ${credentials.username}`, {
    hint: 'Set RAX_API_KEY (or RAX_API_KEY_FILE); RAX_PASSWORD works too but an API key is preferred.',
  });
}

export interface IdentityOptions {
  identityUrl: string;
  credentials: Credentials;
  redactor: Redactor;
  http: HttpClient;
  /** Re-authenticate this long before `expires` (default 5 minutes). */
  refreshMarginMs?: number;
  now?: () => number;
}

export class IdentitySession implements TokenSource {
  readonly #opts: IdentityOptions;
  #access: Access | undefined;
  #pending: Promise<Access> | undefined;

  constructor(opts: IdentityOptions) {
    this.#opts = opts;
    opts.redactor.add(opts.credentials.apiKey);
    opts.redactor.add(opts.credentials.password);
  }

  /** The current access (token + catalog), authenticating when there is none or it is about to expire. */
  async access(): Promise<Access> {
    const now = (this.#opts.now ?? Date.now)();
    const margin = this.#opts.refreshMarginMs ?? 300_000;
    if (this.#access !== undefined && this.#access.expiresAt - margin > now) return this.#access;
    return this.#authenticate();
  }

  async token(): Promise<string> {
    return (await this.access()).token;
  }

  async refresh(): Promise<string> {
    return (await this.#authenticate()).token;
  }

  // Concurrent callers (parallel segment uploads hitting 401 together) share one authentication.
  #authenticate(): Promise<Access> {
    this.#pending ??= this.#post().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #post(): Promise<Access> {
    const { identityUrl, credentials, redactor, http } = this.#opts;
    const url = tokensUrl(identityUrl);
    const res = await request(http, {
      method: 'POST',
      url,
      what: `authenticate ${credentials.username} with Rackspace Identity`,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(authBody(credentials)),
      ok: [200, 203, 400, 401, 403, 404],
      rateLimit413: true,
    });
    if (res.status !== 200 && res.status !== 203) {
      const how = credentials.apiKey !== undefined ? 'API key' : 'password';
      const message = `Rackspace Identity at ${url} refused user ${credentials.username} (${res.status}): ${res.text().replace(/\s+/g, ' ').slice(0, 200)}`;
      throw new IngotError('RAX_AUTH_FAILED', message, {
        hint: res.status === 404
          ? 'The identity URL does not look like an Identity v2.0 endpoint; check RAX_IDENTITY_URL / --identity-url.'
          : `Check RAX_USERNAME and the ${how} (RAX_${how === 'API key' ? 'API_KEY' : 'PASSWORD'} or its _FILE variant); the API key is under Account Settings in the Control Panel.`,
        details: { status: res.status, username: credentials.username },
      });
    }
    const body = res.json<AccessBody>();
    const token = body.access?.token?.id;
    if (typeof token !== 'string' || token === '') {
      throw new IngotError('RAX_AUTH_FAILED', `Rackspace Identity at ${url} answered 200 without access.token.id`, {
        hint: 'The identity URL may point at something that is not Rackspace Identity v2.0.',
      });
    }
    redactor.add(token);
    // Date.parse accepts both `…Z` and `…-05:00` (trap 5); an unreadable date means "re-auth soon".
    const parsed = Date.parse(body.access?.token?.expires ?? '');
    const now = (this.#opts.now ?? Date.now)();
    this.#access = {
      token,
      expiresAt: Number.isNaN(parsed) ? now + 600_000 : parsed,
      tenantId: body.access?.token?.tenant?.id,
      defaultRegion: body.access?.user?.['RAX-AUTH:defaultRegion'],
      catalog: body.access?.serviceCatalog ?? [],
    };
    return this.#access;
  }
}
