// The resolved configuration: where the XAPI host is, how to trust it, and Rackspace access.
// Secrets are held here only as values already registered with the Redactor.

export type TlsTrust =
  | { kind: 'system' }
  | { kind: 'ca'; caFile: string }
  | { kind: 'fingerprint'; sha256: string };

export interface XapiConfig {
  url: string | undefined;
  username: string | undefined;
  password: string | undefined;
  tls: TlsTrust;
  /** Optional SSH jump host for guests not routable from the workstation: user@host[:port]. */
  bastion: string | undefined;
}

export interface RackspaceConfig {
  username: string | undefined;
  apiKey: string | undefined;
  password: string | undefined;
  region: string | undefined;
  identityUrl: string;
}

export interface IngotConfig {
  xapi: XapiConfig;
  rackspace: RackspaceConfig;
  /** Where each value came from (flag, env, file, a running lab, default), for `ingot config` and `ingot doctor`. */
  sources: Record<string, 'flag' | 'env' | 'file' | 'lab' | 'default'>;
  /** The config file that was read, if any. */
  file: string | undefined;
}
