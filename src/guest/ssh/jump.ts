// Reads a bastion given as `user@host[:port]` (the form `ssh -J` takes); IPv6 hosts in brackets.
import { IngotError } from '../../errors/index.js';

export interface JumpSpec {
  username: string;
  host: string;
  port: number;
}

export function parseJumpSpec(spec: string): JumpSpec {
  const match = /^([^@\s:]+)@(\[[0-9A-Fa-f:.]+\]|[^@\s:[\]]+)(?::(\d{1,5}))?$/.exec(spec.trim());
  const port = match?.[3] === undefined ? 22 : Number(match[3]);
  if (match === null || port < 1 || port > 65535) {
    throw new IngotError('USAGE', `Bastion ${JSON.stringify(spec)} is not of the form user@host[:port].`, {
      hint: 'For example: ops@jump.example.net:2222 (an IPv6 host goes in brackets: ops@[2001:db8::1]:22).',
    });
  }
  const host = (match[2] as string).replace(/^\[(.*)\]$/, '$1');
  return { username: match[1] as string, host, port };
}
