// Endpoint selection and URL rules from rackspace.md §1.3 and §3.1 (traps 1, 2, 3, 19).
import { describe, expect, it } from 'vitest';
import { CLOUD_FILES, CLOUD_IMAGES, CLOUD_SERVERS, imagesBase, selectEndpoint, type CatalogEntry } from '../../../src/rackspace/catalog.js';
import { authBody, tokensUrl } from '../../../src/rackspace/identity.js';
import { isIngotError } from '../../../src/errors/index.js';

// Abridged from the Identity v2.0 sample response (rackspace.md §1.3), legacy entry listed first.
const catalog: CatalogEntry[] = [
  { name: 'cloudServers', type: 'compute', endpoints: [{ tenantId: '123456', publicURL: 'https://servers.api.rackspacecloud.com/v1.0/123456' }] },
  { name: 'cloudServersOpenStack', type: 'compute', endpoints: [
    { region: 'ORD', tenantId: '123456', publicURL: 'https://ord.servers.api.rackspacecloud.com/v2/123456' },
    { region: 'DFW', tenantId: '123456', publicURL: 'https://dfw.servers.api.rackspacecloud.com/v2/123456' },
  ] },
  { name: 'cloudFilesCDN', type: 'rax:object-cdn', endpoints: [{ region: 'DFW', publicURL: 'https://cdn1.clouddrive.com/v1/MossoCloudFS_x' }] },
  { name: 'cloudFiles', type: 'object-store', endpoints: [
    { region: 'DFW', tenantId: 'MossoCloudFS_9c24', publicURL: 'https://storage101.dfw1.clouddrive.com/v1/MossoCloudFS_9c24', internalURL: 'https://snet-storage101.dfw1.clouddrive.com/v1/MossoCloudFS_9c24' },
  ] },
  { name: 'cloudImages', type: 'image', endpoints: [{ region: 'DFW', tenantId: '123456', publicURL: 'https://dfw.images.api.rackspacecloud.com/v2/' }] },
];

describe('service catalog', () => {
  it('picks cloudServersOpenStack in the region, not the legacy region-less cloudServers entry', () => {
    expect(selectEndpoint(catalog, CLOUD_SERVERS, { region: 'DFW' })).toBe('https://dfw.servers.api.rackspacecloud.com/v2/123456');
  });

  it('compares regions case-insensitively', () => {
    expect(selectEndpoint(catalog, CLOUD_SERVERS, { region: 'ord' })).toBe('https://ord.servers.api.rackspacecloud.com/v2/123456');
  });

  it('takes the Cloud Files URL with its MossoCloudFS_ account from the catalog; internalURL only for ServiceNet', () => {
    expect(selectEndpoint(catalog, CLOUD_FILES, { region: 'DFW' })).toBe('https://storage101.dfw1.clouddrive.com/v1/MossoCloudFS_9c24');
    expect(selectEndpoint(catalog, CLOUD_FILES, { region: 'DFW', servicenet: true })).toBe('https://snet-storage101.dfw1.clouddrive.com/v1/MossoCloudFS_9c24');
  });

  it('names the regions that do exist when the asked one does not', () => {
    try {
      selectEndpoint(catalog, CLOUD_SERVERS, { region: 'LON' });
      expect.unreachable();
    } catch (error) {
      expect(isIngotError(error) && error.code).toBe('RAX_ENDPOINT_MISSING');
      expect((error as Error).message).toMatch(/no cloudServersOpenStack \(compute\) endpoint in region LON: found cloudServersOpenStack only in ORD, DFW/);
    }
  });

  it('refuses ServiceNet for a service without an internalURL', () => {
    expect(() => selectEndpoint(catalog, CLOUD_IMAGES, { region: 'DFW', servicenet: true })).toThrow(/has no internalURL/);
  });

  it('builds the Images base with exactly one /v2 (no /v2/v2/tasks)', () => {
    expect(imagesBase(selectEndpoint(catalog, CLOUD_IMAGES, { region: 'DFW' }))).toBe('https://dfw.images.api.rackspacecloud.com/v2');
    expect(imagesBase('http://127.0.0.1:9/')).toBe('http://127.0.0.1:9/v2');
    expect(imagesBase('http://127.0.0.1:9/v2')).toBe('http://127.0.0.1:9/v2');
  });
});

describe('identity request', () => {
  it('derives the tokens URL from what users paste', () => {
    expect(tokensUrl('https://identity.api.rackspacecloud.com/v2.0')).toBe('https://identity.api.rackspacecloud.com/v2.0/tokens');
    expect(tokensUrl('https://identity.api.rackspacecloud.com/v2.0/')).toBe('https://identity.api.rackspacecloud.com/v2.0/tokens');
    expect(tokensUrl('http://127.0.0.1:5000')).toBe('http://127.0.0.1:5000/v2.0/tokens');
    expect(tokensUrl('http://127.0.0.1:5000/v2.0/tokens')).toBe('http://127.0.0.1:5000/v2.0/tokens');
  });

  it('sends RAX-KSKEY:apiKeyCredentials with apiKey (not the table casing), else passwordCredentials', () => {
    expect(authBody({ username: 'u', apiKey: 'k' })).toEqual({ auth: { 'RAX-KSKEY:apiKeyCredentials': { username: 'u', apiKey: 'k' } } });
    expect(authBody({ username: 'u', password: 'p' })).toEqual({ auth: { passwordCredentials: { username: 'u', password: 'p' } } });
    expect(() => authBody({ username: 'u' })).toThrow(/no API key or password/);
  });
});
