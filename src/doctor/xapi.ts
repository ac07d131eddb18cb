// The XAPI host as a build would meet it: the same connectXapi (TLS trust, login) and the same
// SR and network rules as the storage and vm stages, each step reported as its own check.
import type { IngotConfig } from '../config/index.js';
import { isIngotError } from '../errors/index.js';
import type { Redactor } from '../redact.js';
import { connectXapi, type XapiClient } from '../xapi/client.js';
import { hostVersions } from '../xapi/host.js';
import { chooseNetwork } from '../xapi/network.js';
import { provisioning } from '../xapi/thin.js';
import { peerFingerprint } from '../xapi/tls.js';
import type { PoolRecord, SMRecord, SRRecord } from '../xapi/types.generated.js';
import { fail, fromError, ok, warn, type Check } from './types.js';

export interface XapiProbe {
  redactor: Redactor;
  signal?: AbortSignal;
}

const HOST_CERT = '/etc/xensource/xapi-ssl.pem';

export async function checkXapi(config: IngotConfig, { redactor, signal }: XapiProbe): Promise<Check[]> {
  const x = config.xapi;
  const user = x.username ?? 'root';
  if (x.url === undefined) {
    return [warn('xapi.config', 'no XAPI host is configured: ingot build and ingot clean need one', 'Set INGOT_XAPI_URL, INGOT_XAPI_PASSWORD_FILE and INGOT_XAPI_FINGERPRINT (docs/configuration.md), or start the built-in lab host with `ingot lab up`.')];
  }
  if (x.password === undefined) {
    return [fail('xapi.config', `${x.url}: no password is configured for ${user}`, 'Set INGOT_XAPI_PASSWORD_FILE (a file readable only by you) or INGOT_XAPI_PASSWORD.')];
  }
  const url = new URL(x.url);
  const checks = [ok('xapi.config', `${x.url} as ${user}, password set (${config.sources['xapi.password'] ?? 'env'}), trust: ${trustText(config)}`)];
  let xapi: XapiClient;
  try {
    xapi = await connectXapi(x, { redactor, ...(signal ? { signal } : {}), watch: ['task'] });
  } catch (error) {
    return [...checks, ...(await connectFailure(url, config, error, signal))];
  }
  try {
    checks.push(ok('xapi.reachable', `${url.origin} answers`));
    checks.push(tlsOk(url, config));
    checks.push(ok('xapi.login', `logged in as ${user}`));
    checks.push(await version(xapi));
    checks.push(await thinSr(xapi));
    checks.push(await network(xapi));
    return checks;
  } finally {
    await xapi.disconnect();
  }
}

function trustText(config: IngotConfig): string {
  const tls = config.xapi.tls;
  if (tls.kind === 'fingerprint') return `pinned fingerprint (${config.sources['xapi.fingerprint'] ?? 'env'})`;
  if (tls.kind === 'ca') return `CA file ${tls.caFile}`;
  return 'the system CAs';
}

function tlsOk(url: URL, config: IngotConfig): Check {
  if (url.protocol === 'http:') {
    const loopback = /^(127\.|\[::1\]$|localhost$)/.test(url.hostname);
    const found = 'plain HTTP: the password and session travel unencrypted';
    return loopback ? ok('xapi.tls', `${found} (acceptable on loopback)`) : warn('xapi.tls', found, `Use https://${url.host.replace(/:\d+$/, '')} and pin the host's certificate with INGOT_XAPI_FINGERPRINT.`);
  }
  const tls = config.xapi.tls;
  if (tls.kind === 'fingerprint') return ok('xapi.tls', `the certificate matches the pinned SHA-256 fingerprint ${tls.sha256}`);
  return ok('xapi.tls', `the certificate is verified by ${trustText(config)}`);
}

async function connectFailure(url: URL, config: IngotConfig, error: unknown, signal?: AbortSignal): Promise<Check[]> {
  const code = isIngotError(error) ? error.code : undefined;
  if (code === 'XAPI_UNREACHABLE') return [fromError('xapi.reachable', error, 'Check INGOT_XAPI_URL.')];
  if (code === 'XAPI_TLS_UNTRUSTED' || (code === 'CONFIG_INVALID' && config.xapi.tls.kind === 'ca')) {
    const pinned = (error as { details?: { seen?: string } }).details?.seen;
    const seen = pinned ?? (code === 'XAPI_TLS_UNTRUSTED' ? await peerFingerprint(url, signal).catch(() => undefined) : undefined);
    const base = fromError('xapi.tls', error, 'Pin the host certificate with INGOT_XAPI_FINGERPRINT.');
    const pin = seen === undefined ? '' :
      ` The host presents the certificate with SHA-256 fingerprint ${seen}. If that is your host's (compare on its console: ` +
      `openssl x509 -noout -fingerprint -sha256 -in ${HOST_CERT}), pin it: INGOT_XAPI_FINGERPRINT=${seen} (or xapi.fingerprint in the configuration file).`;
    const tls = { ...base, fix: `${base.fix ?? ''}${pin}` };
    // An unreadable CA file fails before any connection: nothing is known about reachability.
    return code === 'CONFIG_INVALID' ? [tls] : [ok('xapi.reachable', `${url.origin} answers`), tls];
  }
  const login = fromError('xapi.login', error, 'Check INGOT_XAPI_USERNAME and the password.');
  return [ok('xapi.reachable', `${url.origin} answers`), tlsOk(url, config), login];
}

async function version(xapi: XapiClient): Promise<Check> {
  try {
    const v = await hostVersions(xapi);
    return ok('xapi.version', `${v.product} ${v.productVersion}, xapi ${v.xapi}, API ${v.apiVersion}, coordinator ${v.hostName}`);
  } catch (error) {
    return fromError('xapi.version', error, 'Check that the URL points at the pool coordinator of a XAPI host.');
  }
}

// The storage stage's rule (src/xapi/sr.ts, src/xapi/thin.ts): builds write only to thin SRs.
async function thinSr(xapi: XapiClient): Promise<Check> {
  try {
    const srs = Object.entries(await xapi.call<Record<string, SRRecord>>('SR.get_all_records')).filter(([, sr]) => sr.content_type !== 'iso');
    const sms = Object.values(await xapi.call<Record<string, SMRecord>>('SM.get_all_records'));
    const pool = Object.values(await xapi.call<Record<string, PoolRecord>>('pool.get_all_records'))[0];
    const describe = (sr: SRRecord) => `"${sr.name_label}" (${sr.type}, ${gib(Number(sr.physical_size) - Number(sr.physical_utilisation))} free)`;
    const thin = srs.filter(([, sr]) => provisioning(sr, sms).thin);
    if (thin.length === 0) {
      const thick = srs.map(([, sr]) => `"${sr.name_label}": ${provisioning(sr, sms).reason}`).join('; ') || 'no disk SR at all';
      return fail(
        'xapi.sr',
        `no thin-provisioned SR: ${thick}`,
        'A build refuses thick SRs: they allocate the full virtual size of every disk. Add a thin SR on the host ' +
          '(local ext: `xe sr-create type=ext content-type=user device-config:device=/dev/sdX name-label="Local storage"`; ' +
          'or an NFS SR), then name it with vm.sr in the recipe.',
      );
    }
    const list = thin.map(([, sr]) => describe(sr)).join(', ');
    const defaultSr = srs.find(([ref]) => ref === pool?.default_SR)?.[1];
    if (defaultSr !== undefined && provisioning(defaultSr, sms).thin) return ok('xapi.sr', `thin SRs: ${list}; the pool default is "${defaultSr.name_label}"`);
    const first = thin[0]![1];
    return warn(
      'xapi.sr',
      `thin SRs: ${list}; but the pool default SR ${defaultSr === undefined ? 'is not set' : `"${defaultSr.name_label}" is not thin (${provisioning(defaultSr, sms).reason})`}, so recipes with vm.sr: default fail`,
      `Name a thin SR in the recipe (vm.sr: "${first.name_label}"), or make it the pool default: xe pool-param-set uuid=<pool> default-SR=${first.uuid}.`,
    );
  } catch (error) {
    return fromError('xapi.sr', error, 'Check the account may list SRs (SR.get_all_records).');
  }
}

// The vm stage's rule (src/xapi/network.ts): without vm.network the build NIC goes on the management network.
async function network(xapi: XapiClient): Promise<Check> {
  try {
    const { record } = await chooseNetwork(xapi, undefined);
    return ok('xapi.network', `management network "${record.name_label}" (bridge ${record.bridge}) for the build VM's NIC`);
  } catch (error) {
    return fromError('xapi.network', error, 'Name a network in the recipe with vm.network.');
  }
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}
