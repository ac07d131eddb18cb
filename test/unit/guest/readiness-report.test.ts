// The probe report as ingot judges it: exactly the known ids, waived failures pass and stay
// marked, any other failure stops the build naming the items, their evidence and how to waive.
import { describe, expect, it } from 'vitest';
import { judgeReport, parseIdentity, parseProbeReport, READINESS_ITEM_IDS, requireSupported } from '../../../src/guest/readiness/index.js';
import { isIngotError } from '../../../src/errors/index.js';
import { fingerprint, generateEd25519 } from '../../../src/guest/seed/index.js';
import { Redactor } from '../../../src/redact.js';

const allOk = () => READINESS_ITEM_IDS.map((id) => ({ id, ok: true, evidence: `${id} fine` }));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseProbeReport', () => {
  it('accepts the full list', () => {
    expect(parseProbeReport(allOk(), 'g')).toHaveLength(READINESS_ITEM_IDS.length);
  });
  it('refuses a missing item, an unknown id and a non-list', () => {
    expect(() => parseProbeReport(allOk().slice(1), 'g')).toThrow(/missing cloud-init-installed/);
    expect(() => parseProbeReport([...allOk(), { id: 'extra', ok: true, evidence: '' }], 'g')).toThrow(/unknown id "extra"/);
    expect(() => parseProbeReport({ items: [] }, 'g')).toThrow(/expected a JSON list/);
  });
});

describe('judgeReport', () => {
  it('passes when every item is ok, nothing marked waived', () => {
    expect(judgeReport(allOk(), []).every((i) => i.ok && !i.waived)).toBe(true);
  });

  it('stops on a failed item with its evidence and the waive hint', () => {
    const items = allOk().map((i) => (i.id === 'fstab-by-uuid' ? { ...i, ok: false, evidence: '/etc/fstab names /dev/sda1 on /' } : i));
    const error = thrown(() => judgeReport(items, ['guest-agent']));
    expect(isIngotError(error) && error.code).toBe('READINESS_FAILED');
    expect((error as Error).message).toContain('fstab-by-uuid: /etc/fstab names /dev/sda1 on /');
    expect((error as { hint: string }).hint).toContain('readiness.waive: [fstab-by-uuid]');
  });

  it('lets a waived failure through and marks it', () => {
    const items = allOk().map((i) => (i.id === 'guest-agent' ? { ...i, ok: false, evidence: 'not installed' } : i));
    const report = judgeReport(items, ['guest-agent']);
    expect(report.find((i) => i.id === 'guest-agent')).toEqual({ id: 'guest-agent', ok: false, evidence: 'not installed', waived: true });
  });
});

describe('parseIdentity', () => {
  it('reads the os, hostname, machine-id hash and host key fingerprints as ssh-keygen prints them', () => {
    const key = generateEd25519(new Redactor(), 'root@ingot-guest');
    const facts = parseIdentity(`os debian 12\npretty Debian GNU/Linux 12 (bookworm)\nhostname e2e-demo\nmachine-id-sha256 ${'a'.repeat(64)}\nhost-key ${key.publicKey}\n`);
    expect(facts.os).toEqual({ id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
    expect(facts.identity).toEqual({ hostname: 'e2e-demo', machine_id_sha256: 'a'.repeat(64), host_key_fingerprints: [fingerprint(key.publicKey)] });
    expect(facts.identity.host_key_fingerprints[0]).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('requireSupported', () => {
  it('accepts Debian 12 and Ubuntu 24.04', () => {
    expect(requireSupported(parseIdentity('os debian 12\n').os, 'rackspace').name).toBe('Debian 12');
    expect(requireSupported(parseIdentity('os ubuntu 24.04\n').os, 'rackspace').name).toBe('Ubuntu 24.04');
  });
  it('refuses another system by name, saying nothing was changed and what is supported', () => {
    const error = thrown(() => requireSupported(parseIdentity('os ubuntu 22.04\npretty Ubuntu 22.04.4 LTS\n').os, 'rackspace'));
    expect(isIngotError(error) && error.code).toBe('READINESS_UNSUPPORTED');
    expect((error as Error).message).toMatch(/does not support Ubuntu 22\.04\.4 LTS .*nothing in the guest was changed/);
    expect((error as { hint: string }).hint).toContain('Debian 12, Ubuntu 24.04');
  });
});
