import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../../src/redact.js';

describe('the redactor', () => {
  const r = new Redactor();
  r.add('xapi-Passw0rd!');
  r.add('0123456789abcdef0123456789abcdef'); // an API key

  it.each([
    ['a registered XAPI password', 'login as root with xapi-Passw0rd! failed', 'xapi-Passw0rd!'],
    ['a registered API key', '{"apiKey":"0123456789abcdef0123456789abcdef"}', '0123456789abcdef'],
    ['a XAPI session id in an HTTP handler URL', 'PUT https://h/import_raw_vdi?session_id=OpaqueRef:9f8e7d6c-aaaa&vdi=OpaqueRef:1', 'OpaqueRef:9f8e7d6c-aaaa'],
    ['an X-Auth-Token header', 'X-Auth-Token: gAAAAABtokenvalue123', 'gAAAAABtokenvalue123'],
    ['a JSON token header', '{"x-auth-token":"AUTH_tk0123abcd"}', 'AUTH_tk0123abcd'],
    ['an Authorization bearer header', 'authorization: Bearer abc.def.ghi', 'abc.def.ghi'],
    ['userinfo in a URL', 'GET https://root:topsecret@xcp.test/', 'topsecret'],
    ['a PEM private key', 'key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n', 'b3BlbnNzaC1rZXktdjEAAAAA'],
  ])('masks %s', (_what, input, secret) => {
    const out = r.text(input);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('masks secret-named keys and secret values deep inside objects', () => {
    const out = r.value({ user: 'root', password: 'whatever', nested: [{ token: 't0k3n' }, 'pw xapi-Passw0rd!'] });
    expect(out).toEqual({ user: 'root', password: REDACTED, nested: [{ token: REDACTED }, `pw ${REDACTED}`] });
  });

  it('leaves ordinary text alone', () => {
    expect(r.text('VM.start OpaqueRef:1234 (Debian 12)')).toBe('VM.start OpaqueRef:1234 (Debian 12)');
  });

  it('ignores values too short to be real secrets, which would mask ordinary words', () => {
    const short = new Redactor();
    short.add('a');
    expect(short.text('a cat')).toBe('a cat');
  });
});
