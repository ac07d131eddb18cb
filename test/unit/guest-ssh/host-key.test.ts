// Host key pins and fingerprints, checked against ssh-keygen (the OpenSSH tool users compare with).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { IngotError } from '../../../src/errors/index.js';
import { parseHostKeyPin } from '../../../src/guest/ssh/host-key.js';

const dir = mkdtempSync(join(tmpdir(), 'ingot-hostkey-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keygenFingerprint(publicLine: string): string {
  const file = join(dir, `k${Math.random().toString(36).slice(2)}.pub`);
  writeFileSync(file, `${publicLine}\n`);
  // "256 SHA256:… comment (ED25519)"
  return execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).split(' ')[1] as string;
}

describe('parseHostKeyPin', () => {
  it.each(['ed25519', 'ecdsa'] as const)('gives the fingerprint ssh-keygen -lf prints for an %s public key line', (type) => {
    const pair = type === 'ecdsa' ? ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 }) : ssh2.utils.generateKeyPairSync('ed25519');
    const pin = parseHostKeyPin(`${pair.public} host@example`, 'guest');
    expect(pin.fingerprint).toBe(keygenFingerprint(pair.public));
    expect(pin.type).toBe(type === 'ecdsa' ? 'ecdsa-sha2-nistp256' : 'ssh-ed25519');
  });

  it('takes a SHA256 fingerprint as it is', () => {
    const fp = keygenFingerprint(ssh2.utils.generateKeyPairSync('ed25519').public);
    expect(parseHostKeyPin(fp, 'guest')).toEqual({ fingerprint: fp, type: undefined });
  });

  it.each([
    ['garbage', 'not-a-key'],
    ['an MD5 fingerprint', 'MD5:12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0'],
    ['a truncated fingerprint', 'SHA256:abc'],
  ])('refuses %s and says what it expected', (_name, value) => {
    const error = (() => {
      try {
        parseHostKeyPin(value, 'builder@10.0.0.5:22');
      } catch (e) {
        return e;
      }
    })() as IngotError;
    expect(error).toBeInstanceOf(IngotError);
    expect(error.message).toContain('expected an OpenSSH public key line');
    expect(error.message).toContain('builder@10.0.0.5:22');
  });

  it('refuses a private key, without quoting it', () => {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    const error = (() => {
      try {
        parseHostKeyPin(pair.private, 'guest');
      } catch (e) {
        return e;
      }
    })() as IngotError;
    expect(error.hint).toContain('never a private key');
    const body = pair.private.split('\n')[1] as string;
    expect(`${error.message}${error.hint}`).not.toContain(body);
  });
});
