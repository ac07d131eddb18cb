// Rackspace as a push would meet it: the same IdentitySession and catalog selection as pushVhd,
// stopping before anything is uploaded.
import type { IngotConfig } from '../config/index.js';
import type { Redactor } from '../redact.js';
import { CLOUD_FILES, CLOUD_IMAGES, selectEndpoint, type CatalogEntry, type ServiceSpec } from '../rackspace/catalog.js';
import { DEFAULT_RETRY, type HttpClient } from '../rackspace/http.js';
import { IdentitySession, tokensUrl, type Access } from '../rackspace/identity.js';
import { fail, fromError, ok, warn, type Check } from './types.js';

export interface RackspaceProbe {
  redactor: Redactor;
  signal?: AbortSignal;
}

export async function checkRackspace(config: IngotConfig, { redactor, signal }: RackspaceProbe): Promise<Check[]> {
  const r = config.rackspace;
  const secret = r.apiKey !== undefined ? 'API key' : r.password !== undefined ? 'password' : undefined;
  if (r.username === undefined && secret === undefined) {
    return [warn('rackspace.config', 'no Rackspace credentials are configured: only ingot push and ingot build --push need them', 'Set RAX_USERNAME and RAX_API_KEY_FILE (or RAX_API_KEY) when you push; see docs/rackspace.md.')];
  }
  if (r.username === undefined) return [fail('rackspace.config', `a Rackspace ${secret} is set but no user name`, 'Set RAX_USERNAME (or rackspace.username in the configuration file).')];
  if (secret === undefined) return [fail('rackspace.config', `no API key or password for Rackspace user ${r.username}`, 'Set RAX_API_KEY_FILE or RAX_API_KEY (RAX_PASSWORD works too; an API key is preferred).')];
  const source = config.sources[secret === 'API key' ? 'rackspace.api_key' : 'rackspace.password'] ?? 'env';
  const checks = [ok('rackspace.config', `user ${r.username} with ${secret === 'API key' ? 'an API key' : 'a password'} (${source}), identity ${r.identityUrl}`)];

  // A doctor answers in seconds: two tries and a short timeout instead of a push's patient policy.
  const http: HttpClient = { retry: { ...DEFAULT_RETRY, attempts: 2, baseDelayMs: 500, timeoutMs: 20_000 }, ...(signal ? { signal } : {}) };
  const credentials = { username: r.username, ...(r.apiKey !== undefined ? { apiKey: r.apiKey } : { password: r.password! }) };
  let access: Access;
  try {
    access = await new IdentitySession({ identityUrl: r.identityUrl, credentials, redactor, http }).access();
  } catch (error) {
    return [...checks, fromError('rackspace.auth', error, 'Check RAX_USERNAME and the API key.')];
  }
  checks.push(ok('rackspace.auth', `token obtained from ${tokensUrl(r.identityUrl)} (tenant ${access.tenantId ?? 'unknown'}), valid until ${new Date(access.expiresAt).toISOString()}`));

  const regions = regionsOf(access.catalog, [CLOUD_FILES, CLOUD_IMAGES]);
  const region = r.region ?? access.defaultRegion;
  if (region === undefined) {
    checks.push(fail('rackspace.region', `no region is configured and user ${r.username} has no default region; the account has ${regions.join(', ') || 'no region'}`, `Set RAX_REGION to one of ${regions.join(', ') || 'the account\'s regions'}.`));
    return checks;
  }
  const from = r.region !== undefined ? 'RAX_REGION' : "the user's default region";
  checks.push(ok('rackspace.region', `${region} (${from}); regions with Cloud Files or Cloud Images on this account: ${regions.join(', ') || 'none'}`));
  checks.push(endpoint('rackspace.cloud-files', 'Cloud Files', access.catalog, CLOUD_FILES, region));
  checks.push(endpoint('rackspace.cloud-images', 'Cloud Images', access.catalog, CLOUD_IMAGES, region));
  return checks;
}

function endpoint(id: string, name: string, catalog: CatalogEntry[], service: ServiceSpec, region: string): Check {
  try {
    return ok(id, `${name} in ${region}: ${selectEndpoint(catalog, service, { region })}`);
  } catch (error) {
    return fromError(id, error, 'Pick a region that has both Cloud Files and Cloud Images (RAX_REGION).');
  }
}

function regionsOf(catalog: CatalogEntry[], services: ServiceSpec[]): string[] {
  const regions = new Set<string>();
  for (const s of services) {
    for (const e of catalog.find((c) => c.type === s.type && c.name === s.name)?.endpoints ?? []) if (e.region !== undefined) regions.add(e.region.toUpperCase());
  }
  return [...regions].sort();
}
