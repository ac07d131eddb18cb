// The rehearsal's checks over what was read from a guest: cloud-init's status output as 22.4 and
// 23.4+ print it, and the comparison with what the build recorded about its own guest.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { evaluate, parseCloudInitStatus, parseResultJson, type GuestFacts } from '../../../src/pipeline/rehearse/index.js';

const FP = (n: number): string => `SHA256:${Buffer.alloc(32, n).toString('base64').replace(/=+$/, '')}`;
const MACHINE_ID = '0123456789abcdef0123456789abcdef';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

// `cloud-init status --long` from cloud-init 22.4.2 on Debian 12 (lab-notes.md §2 boots).
const DONE_22 = 'status: done\ntime: Fri, 27 Nov 2026 13:00:00 +0000\ndetail:\nDataSourceConfigDrive [net,ver=2][source=/dev/sr0]\n';
const ERROR_22 = "status: error\ntime: Fri, 27 Nov 2026 13:00:00 +0000\ndetail:\n('ssh', ValueError('bad key'))\n";
// The 23.4+ layout: extended_status, boot_status_code, errors, recoverable_errors.
const DONE_24 = 'status: done\nextended_status: done\nboot_status_code: enabled-by-generator\nlast_update: Thu, 01 Jan 1970 00:00:40 +0000\ndetail: DataSourceConfigDrive [net,ver=2][source=/dev/sr0]\nerrors: []\nrecoverable_errors: {}\n';
const ERRORS_24 = "status: error\nextended_status: error - done\nboot_status_code: enabled-by-generator\ndetail: DataSourceConfigDrive [net,ver=2][source=/dev/sr0]\nerrors:\n\t- ('users_groups', KeyError('ingot'))\n\t- ('ssh', OSError('no keys'))\nrecoverable_errors: {}\n";
const RESULT_OK = JSON.stringify({ v1: { datasource: 'DataSourceConfigDrive [net,ver=2][source=/dev/sr0]', errors: [] } });

function facts(over: Partial<GuestFacts> = {}): GuestFacts {
  return {
    hostname: 'rehearsal-1a2b',
    hostKeyFingerprints: [FP(1), FP(2)],
    presentedHostKey: FP(1),
    machineId: `${MACHINE_ID}\n`,
    cloudInitStatus: { text: DONE_22, exitCode: 0 },
    resultJson: RESULT_OK,
    buildUserLookup: { exitCode: 2, stdout: '' },
    ...over,
  };
}
const identity = { hostname: 'debian-12', host_key_fingerprints: [FP(7), FP(8)], machine_id_sha256: sha('fedcba9876543210fedcba9876543210') };
const want = { sshUser: 'debian', hostname: 'rehearsal-1a2b', buildUser: 'ingot-build', identity };
const byId = (checks: ReturnType<typeof evaluate>) => Object.fromEntries(checks.map((c) => [c.id, c]));

describe('parseCloudInitStatus', () => {
  it('reads 22.4: status and the datasource on the line after detail:', () => {
    expect(parseCloudInitStatus(DONE_22)).toEqual({ status: 'done', detail: 'DataSourceConfigDrive [net,ver=2][source=/dev/sr0]', errors: [] });
  });
  it('reads a 22.4 error: the failing module is the detail', () => {
    expect(parseCloudInitStatus(ERROR_22)).toMatchObject({ status: 'error', detail: "('ssh', ValueError('bad key'))" });
  });
  it('reads 23.4+: inline detail, an empty errors list, and a YAML list of errors', () => {
    expect(parseCloudInitStatus(DONE_24)).toEqual({ status: 'done', detail: 'DataSourceConfigDrive [net,ver=2][source=/dev/sr0]', errors: [] });
    expect(parseCloudInitStatus(ERRORS_24).errors).toEqual(["('users_groups', KeyError('ingot'))", "('ssh', OSError('no keys'))"]);
  });
  it('says nothing was printed rather than guessing', () => {
    expect(parseCloudInitStatus('')).toEqual({ status: undefined, detail: '', errors: [] });
  });
});

describe('parseResultJson', () => {
  it('reads datasource and errors; unreadable text is undefined', () => {
    expect(parseResultJson(RESULT_OK)).toEqual({ datasource: 'DataSourceConfigDrive [net,ver=2][source=/dev/sr0]', errors: [] });
    expect(parseResultJson('{"v1": {"errors": ["x"]}}')).toEqual({ errors: ['x'] });
    expect(parseResultJson('not json')).toBeUndefined();
    expect(parseResultJson(undefined)).toBeUndefined();
  });
});

describe('evaluate', () => {
  it('passes a fresh first boot from a config drive, every check with its evidence', () => {
    const checks = evaluate(facts(), want);
    expect(checks.map((c) => c.id)).toEqual(['login', 'hostname', 'host_keys_fresh', 'machine_id_fresh', 'cloud_init_done', 'datasource_configdrive', 'build_user_gone']);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(byId(checks).datasource_configdrive!.evidence).toContain('DataSourceConfigDrive');
    expect(byId(checks).host_keys_fresh!.evidence).toContain("none of the build's 2");
  });

  it('fails host_keys_fresh when a build host key is still in the guest, naming it', () => {
    const c = byId(evaluate(facts({ hostKeyFingerprints: [FP(1), FP(8)] }), want)).host_keys_fresh!;
    expect(c.ok).toBe(false);
    expect(c.evidence).toContain(`reused from the build: ${FP(8)}`);
  });

  it('fails host_keys_fresh when the presented key is not one of the guest key files, or there are none', () => {
    expect(byId(evaluate(facts({ presentedHostKey: FP(5) }), want)).host_keys_fresh).toMatchObject({ ok: false, evidence: expect.stringContaining(`presented key ${FP(5)} is not among them`) });
    expect(byId(evaluate(facts({ hostKeyFingerprints: [] }), want)).host_keys_fresh).toMatchObject({ ok: false, evidence: expect.stringContaining('no /etc/ssh/ssh_host_*_key.pub') });
  });

  it("fails machine_id_fresh on the build's machine-id, hashed with or without its newline, and on an empty one", () => {
    for (const recorded of [sha(MACHINE_ID), sha(`${MACHINE_ID}\n`)]) {
      const c = byId(evaluate(facts(), { ...want, identity: { ...identity, machine_id_sha256: recorded } })).machine_id_fresh!;
      expect(c).toMatchObject({ ok: false, evidence: expect.stringContaining("equals the build's") });
      expect(c.evidence).not.toContain(MACHINE_ID);
    }
    expect(byId(evaluate(facts({ machineId: '' }), want)).machine_id_fresh).toMatchObject({ ok: false, evidence: '/etc/machine-id is empty or missing' });
    expect(byId(evaluate(facts({ machineId: 'uninitialized\n' }), want)).machine_id_fresh!.ok).toBe(false);
  });

  it('fails cloud_init_done on an error status, on listed errors, and on errors only result.json has', () => {
    expect(byId(evaluate(facts({ cloudInitStatus: { text: ERROR_22, exitCode: 1 } }), want)).cloud_init_done).toMatchObject({ ok: false, evidence: expect.stringContaining('status: error (exit 1)') });
    expect(byId(evaluate(facts({ cloudInitStatus: { text: ERRORS_24, exitCode: 1 } }), want)).cloud_init_done!.evidence).toContain("('ssh', OSError('no keys'))");
    const withErrors = JSON.stringify({ v1: { datasource: 'DataSourceConfigDrive [net,ver=2][source=/dev/sr0]', errors: ['module x failed'] } });
    expect(byId(evaluate(facts({ resultJson: withErrors }), want)).cloud_init_done).toMatchObject({ ok: false, evidence: expect.stringContaining('module x failed') });
  });

  it('fails datasource_configdrive when cloud-init used NoCloud (the build seed pinned)', () => {
    const nocloud = JSON.stringify({ v1: { datasource: 'DataSourceNoCloud [seed=/dev/sr0][dsmode=net]', errors: [] } });
    expect(byId(evaluate(facts({ resultJson: nocloud }), want)).datasource_configdrive).toMatchObject({ ok: false, evidence: 'datasource: DataSourceNoCloud [seed=/dev/sr0][dsmode=net]' });
  });

  it('falls back to the status detail for the datasource when result.json cannot be read', () => {
    const c = byId(evaluate(facts({ resultJson: undefined, cloudInitStatus: { text: DONE_24, exitCode: 0 } }), want));
    expect(c.datasource_configdrive!.ok).toBe(true);
    expect(c.cloud_init_done!.evidence).toContain('result.json unreadable');
  });

  it('fails build_user_gone when getent finds the build user', () => {
    const c = byId(evaluate(facts({ buildUserLookup: { exitCode: 0, stdout: 'ingot-build:x:1001:1001::/home/ingot-build:/bin/bash\n' } }), want)).build_user_gone!;
    expect(c).toMatchObject({ ok: false, evidence: expect.stringContaining('the build user still exists: ingot-build') });
  });

  it('fails hostname when the guest kept another name; accepts the short form of a dotted one', () => {
    expect(byId(evaluate(facts({ hostname: 'debian-12' }), want)).hostname).toMatchObject({ ok: false, evidence: expect.stringContaining('"debian-12", the config drive says "rehearsal-1a2b"') });
    expect(byId(evaluate(facts({ hostname: 'web1' }), { ...want, hostname: 'web1.example.com' })).hostname!.ok).toBe(true);
  });

  it('without a build identity, still requires host keys and a machine-id to exist, and says nothing was compared', () => {
    const checks = byId(evaluate(facts(), { sshUser: 'debian', hostname: 'rehearsal-1a2b', buildUser: 'ingot-build' }));
    expect(checks.host_keys_fresh).toMatchObject({ ok: true, evidence: expect.stringContaining('no build identity to compare with') });
    expect(checks.machine_id_fresh).toMatchObject({ ok: true, evidence: expect.stringContaining('no build machine-id to compare with') });
  });
});
