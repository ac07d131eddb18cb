// An IngotConfig as loadConfig would return with nothing configured, for pure plan tests.
import type { IngotConfig } from '../../../src/config/types.js';

export function bareConfig(overrides: { xapiUrl?: string; region?: string } = {}): IngotConfig {
  return {
    xapi: { url: overrides.xapiUrl, username: 'root', password: undefined, tls: { kind: 'system' }, bastion: undefined },
    rackspace: { username: undefined, apiKey: undefined, password: undefined, region: overrides.region, identityUrl: 'https://identity.example.test/v2.0' },
    sources: {},
    file: undefined,
  };
}
