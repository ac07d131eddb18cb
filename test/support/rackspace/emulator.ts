// Starts the Rackspace emulators (Identity, Cloud Images, Cloud Servers metadata) on 127.0.0.1:0
// next to a real Swift, and a fault proxy in front of that Swift. One call per test file.
import { listen } from './http-util.js';
import { identityHandler, type IdentityConfig, type IdentityState } from './identity-emulator.js';
import { computeHandler, imagesHandler, type ImagesConfig, type ImagesState } from './images-emulator.js';
import { startSwiftProxy, type SwiftProxy } from './swift-proxy.js';
import type { Fault, LoggedRequest } from './http-util.js';

export interface SwiftEndpoint {
  authUrl: string;
  storageUrl: string;
  user: string;
  key: string;
}

export const TEST_USER = 'ingot-tester';
export const TEST_API_KEY = 'api-key-0123456789abcdef';
export const TEST_PASSWORD = 'password-9876543210fedcba';
export const TENANT = '123456';
export const REGION = 'DFW';

export interface Emulator {
  identityUrl: string;
  imagesUrl: string;
  computeUrl: string;
  proxy: SwiftProxy;
  identity: IdentityState;
  images: ImagesState & { computeLog: LoggedRequest[]; computeFaults: Fault[] };
  identityConfig: IdentityConfig;
  imagesConfig: ImagesConfig;
  stop(): Promise<void>;
}

/** A tempauth token from the real Swift: what the identity emulator hands out (§6.1). */
export async function tempauthToken(swift: SwiftEndpoint): Promise<string> {
  const res = await fetch(swift.authUrl, { headers: { 'X-Auth-User': swift.user, 'X-Auth-Key': swift.key } });
  const token = res.headers.get('x-auth-token');
  if (res.status !== 200 || token === null) throw new Error(`tempauth answered ${res.status}`);
  return token;
}

export async function startEmulator(swift: SwiftEndpoint, overrides: Partial<IdentityConfig & ImagesConfig> = {}): Promise<Emulator> {
  const proxy = await startSwiftProxy(swift.storageUrl);
  const urls = { images: '', compute: '' };
  const identityState: IdentityState = { issued: [], faults: [], log: [] };
  const identityConfig: IdentityConfig = {
    username: TEST_USER, apiKey: TEST_API_KEY, password: TEST_PASSWORD, tenantId: TENANT, region: REGION,
    swiftToken: () => tempauthToken(swift), storageUrl: () => proxy.storageUrl, imagesUrl: () => `${urls.images}/v2`, computeUrl: () => urls.compute,
    tokenLifeMs: 24 * 3600_000, offsetExpires: false, ...overrides,
  };
  const imagesState = {
    validTokens: () => new Set(identityState.issued), tasks: new Map(), images: new Map(), fail396: 0, faults: [], log: [], created: [], computeLog: [], computeFaults: [],
  } as Emulator['images'];
  const imagesConfig: ImagesConfig = { tenantId: TENANT, swiftStorageUrl: () => swift.storageUrl, limitBytes: 160 * 2 ** 30, processingPolls: 1, emptyMessage: 'None', ...overrides };
  const identity = await listen(identityHandler(identityConfig, identityState));
  const images = await listen(imagesHandler(imagesConfig, imagesState));
  const compute = await listen(computeHandler({ tenantId: TENANT }, imagesState));
  urls.images = images.url;
  urls.compute = compute.url;
  return {
    identityUrl: `${identity.url}/v2.0`, imagesUrl: `${images.url}/v2`, computeUrl: compute.url, proxy,
    identity: identityState, images: imagesState, identityConfig, imagesConfig,
    stop: async () => {
      await Promise.all([identity.close(), images.close(), compute.close(), proxy.close()]);
    },
  };
}
