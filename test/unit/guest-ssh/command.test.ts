// The remote command lines steps build, run through a real sh to check the quoting round-trips.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { IngotError } from '../../../src/errors/index.js';
import { buildCommand, shQuote, withCleanup } from '../../../src/guest/ssh/steps/command.js';
import { parseJumpSpec } from '../../../src/guest/ssh/jump.js';

function sh(line: string): string {
  return execFileSync('sh', ['-c', line], { encoding: 'utf8' });
}

describe('shQuote', () => {
  it.each(["it's", 'a "b" $HOME `id` \\n', '', 'new\nline', "''"])('round-trips %j through sh', (value) => {
    expect(sh(`printf %s ${shQuote(value)}`)).toBe(value);
  });
});

describe('buildCommand', () => {
  it('passes environment values verbatim, after sudo and timeout', () => {
    const line = buildCommand({ argv: ['sh', '-c', 'printf "%s|%s" "$A" "$B"'], env: { A: "x'y z", B: '$(id)' }, sudo: false, timeoutSec: 5 }, 'env');
    expect(line.startsWith("timeout --kill-after=5 5 env A='x'\\''y z'")).toBe(true);
    expect(sh(line)).toBe("x'y z|$(id)");
  });

  it('puts sudo -n first, so the timeout and the command run as root', () => {
    expect(buildCommand({ argv: ['true'], sudo: true, timeoutSec: 3 }, 's')).toBe("sudo -n timeout --kill-after=5 3 'true'");
  });

  it('refuses a non-positive timeout', () => {
    expect(() => buildCommand({ argv: ['true'], sudo: false, timeoutSec: 0 }, 's')).toThrow(IngotError);
  });

  it('withCleanup keeps the exit status of the command', () => {
    expect(() => sh(withCleanup('exit 7', '/nonexistent-ingot-test'))).toThrow(expect.objectContaining({ status: 7 }));
  });
});

describe('parseJumpSpec', () => {
  it.each([
    ['ops@jump.example.net', { username: 'ops', host: 'jump.example.net', port: 22 }],
    ['ops@10.1.2.3:2222', { username: 'ops', host: '10.1.2.3', port: 2222 }],
    ['ops@[2001:db8::1]:2200', { username: 'ops', host: '2001:db8::1', port: 2200 }],
  ])('reads %s', (spec, expected) => {
    expect(parseJumpSpec(spec)).toEqual(expected);
  });

  it.each(['jump.example.net', 'ops@', 'ops@host:0', 'ops@host:70000', 'ops@2001:db8::1'])('refuses %s with the expected form', (spec) => {
    expect(() => parseJumpSpec(spec)).toThrow(/user@host\[:port\]/);
  });
});
