// What `ingot rehearse` checks once it is logged in, as pure functions over what it read from the
// guest: each check is {id, ok, evidence}, and the evidence is what a person would look at to
// agree (docs/rehearse.md). Nothing here touches the guest.
import { createHash } from 'node:crypto';

/** What the build recorded about the guest it built (manifest readiness.build_identity). */
export interface BuildIdentity {
  hostname?: string;
  /** `SHA256:…` fingerprints of the build guest's SSH host keys. */
  host_key_fingerprints: string[];
  /** sha256 (hex) of the build guest's /etc/machine-id. */
  machine_id_sha256?: string;
}

/** What rehearse read from the rehearsal guest. */
export interface GuestFacts {
  hostname: string;
  /** `SHA256:…` fingerprints of /etc/ssh/ssh_host_*_key.pub. */
  hostKeyFingerprints: string[];
  /** The fingerprint the SSH server presented when rehearse logged in. */
  presentedHostKey: string;
  /** Contents of /etc/machine-id; only its hash leaves this module. */
  machineId: string;
  /** `cloud-init status --long` output and its exit status. */
  cloudInitStatus: { text: string; exitCode: number | null };
  /** /run/cloud-init/result.json, or undefined when it could not be read. */
  resultJson?: string;
  /** Exit status of `getent passwd BUILD_USER` (2: no such user) and what it printed. */
  buildUserLookup: { exitCode: number | null; stdout: string };
}

export interface Expectations {
  sshUser: string;
  hostname: string;
  buildUser: string;
  identity?: BuildIdentity;
}

export interface RehearsalCheck {
  id: 'login' | 'hostname' | 'host_keys_fresh' | 'machine_id_fresh' | 'cloud_init_done' | 'datasource_configdrive' | 'build_user_gone';
  ok: boolean;
  evidence: string;
}

export interface CloudInitStatus {
  status: string | undefined;
  detail: string;
  errors: string[];
}

/**
 * Reads `cloud-init status --long`. 22.4 prints `status:`, `time:` and `detail:` (the datasource or
 * the error on the following lines); 23.4+ adds `extended_status:`, `boot_status_code:`,
 * `errors:` (a YAML list, or `[]`) and `recoverable_errors:`.
 */
export function parseCloudInitStatus(text: string): CloudInitStatus {
  const lines = text.split(/\r?\n/);
  let status: string | undefined;
  const detail: string[] = [];
  const errors: string[] = [];
  let section: 'detail' | 'errors' | undefined;
  for (const line of lines) {
    const key = /^([a-z_]+):\s*(.*)$/.exec(line);
    if (key !== null) {
      const [, name, value = ''] = key;
      section = undefined;
      if (name === 'status') status = value.trim();
      else if (name === 'detail') {
        section = 'detail';
        if (value.trim() !== '') detail.push(value.trim());
      } else if (name === 'errors') {
        section = 'errors';
        const inline = value.trim();
        if (inline !== '' && inline !== '[]') errors.push(...inline.replace(/^\[|\]$/g, '').split(',').map((e) => e.trim()).filter(Boolean));
      }
      continue;
    }
    const text = line.trim();
    if (text === '') continue;
    if (section === 'detail') detail.push(text);
    else if (section === 'errors') errors.push(text.replace(/^-\s*/, ''));
  }
  return { status, detail: detail.join(' '), errors };
}

/** cloud-init's result.json: `{"v1": {"datasource": "DataSourceConfigDrive […]", "errors": […]}}`. */
export function parseResultJson(text: string | undefined): { datasource?: string; errors: string[] } | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    const v1 = (JSON.parse(text) as { v1?: { datasource?: unknown; errors?: unknown } }).v1;
    if (v1 === undefined) return undefined;
    const errors = Array.isArray(v1.errors) ? v1.errors.map(String) : [];
    return { ...(typeof v1.datasource === 'string' ? { datasource: v1.datasource } : {}), errors };
  } catch {
    return undefined; // unreadable: the status output still decides, and the evidence says result.json was not usable
  }
}

/** The machine-id hashed as the build records it; both with and without the trailing newline, since a file and its value differ by one. */
export function machineIdHashes(machineId: string): string[] {
  const id = machineId.trim();
  return [id, `${id}\n`].map((v) => createHash('sha256').update(v).digest('hex'));
}

const short = (name: string): string => name.split('.')[0] ?? name;

export function evaluate(facts: GuestFacts, want: Expectations): RehearsalCheck[] {
  const identity = want.identity;
  const checks: RehearsalCheck[] = [];
  checks.push({ id: 'login', ok: true, evidence: `logged in as ${want.sshUser} with the config-drive key; host key ${facts.presentedHostKey}` });

  const got = facts.hostname.trim();
  checks.push({
    id: 'hostname',
    ok: got === want.hostname || got === short(want.hostname),
    evidence: `hostname is "${got}", the config drive says "${want.hostname}"${identity?.hostname ? ` (the build's was "${identity.hostname}")` : ''}`,
  });

  const build = new Set(identity?.host_key_fingerprints ?? []);
  const reused = facts.hostKeyFingerprints.filter((f) => build.has(f));
  const presentedOnDisk = facts.hostKeyFingerprints.includes(facts.presentedHostKey);
  const keysOk = facts.hostKeyFingerprints.length > 0 && reused.length === 0 && presentedOnDisk && !build.has(facts.presentedHostKey);
  const keyWords = facts.hostKeyFingerprints.length === 0 ? 'no /etc/ssh/ssh_host_*_key.pub in the guest' : `guest host keys ${facts.hostKeyFingerprints.join(', ')}`;
  checks.push({
    id: 'host_keys_fresh',
    ok: keysOk,
    evidence: [
      keyWords,
      reused.length > 0 ? `reused from the build: ${reused.join(', ')}` : build.size > 0 ? `none of the build's ${build.size}` : identity ? 'the build recorded no host keys to compare with' : 'no build identity to compare with',
      presentedOnDisk ? 'the presented key is one of them' : `the presented key ${facts.presentedHostKey} is not among them`,
    ].join('; '),
  });

  const hashes = machineIdHashes(facts.machineId);
  const id = facts.machineId.trim();
  const sameId = identity?.machine_id_sha256 !== undefined && hashes.includes(identity.machine_id_sha256.toLowerCase());
  checks.push({
    id: 'machine_id_fresh',
    ok: /^[0-9a-f]{32}$/.test(id) && !sameId,
    evidence: id === ''
      ? '/etc/machine-id is empty or missing'
      : `machine-id sha256 ${hashes[0]!.slice(0, 16)}…${!/^[0-9a-f]{32}$/.test(id) ? ' is not 32 hex digits' : ''}${sameId ? ' equals the build\'s' : identity?.machine_id_sha256 ? `, the build's ${identity.machine_id_sha256.slice(0, 16)}…` : ', no build machine-id to compare with'}`,
  });

  const status = parseCloudInitStatus(facts.cloudInitStatus.text);
  const result = parseResultJson(facts.resultJson);
  const errors = [...status.errors, ...(result?.errors ?? [])];
  checks.push({
    id: 'cloud_init_done',
    // Exit 2 (23.4+: done with recoverable errors) is not "without errors": it fails here with what cloud-init said.
    ok: status.status === 'done' && errors.length === 0 && facts.cloudInitStatus.exitCode === 0,
    evidence: `cloud-init status: ${status.status ?? '(none printed)'} (exit ${facts.cloudInitStatus.exitCode ?? 'none'})${errors.length > 0 ? `; errors: ${errors.join(' | ')}` : '; no errors'}${result === undefined ? '; /run/cloud-init/result.json unreadable' : ''}`,
  });

  const datasource = result?.datasource ?? status.detail;
  checks.push({
    id: 'datasource_configdrive',
    ok: /^DataSourceConfigDrive\b/.test(datasource.trim()),
    evidence: `datasource: ${datasource.trim() || '(none reported)'}`,
  });

  const lookup = facts.buildUserLookup;
  checks.push({
    id: 'build_user_gone',
    ok: lookup.exitCode === 2,
    evidence: lookup.exitCode === 2 ? `getent passwd ${want.buildUser}: no such user` : lookup.exitCode === 0 ? `the build user still exists: ${lookup.stdout.trim().split(':').slice(0, 1).join('')}:…:${lookup.stdout.trim().split(':').at(-1) ?? ''}` : `getent passwd ${want.buildUser} exited ${lookup.exitCode ?? 'without a status'}`,
  });
  return checks;
}
