// session.login_with_password / logout (xapi.md §1.4). Bad credentials answer
// SESSION_AUTHENTICATION_FAILED [uname, msg] — two parameters, although the datamodel declares
// none — after XAPI's delay (5 s unless the lab was told otherwise).
import { setTimeout as sleep } from 'node:timers/promises';
import { timingSafeEqual } from 'node:crypto';
import type { Handler } from '../context.js';
import { xapiDate } from '../db.js';
import { XapiFault } from '../fault.js';

const MAX_SESSIONS = 500;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const login: Handler = async ({ lab }, [uname, pwd, , originator]) => {
  if (!same(String(uname), lab.user.name) || !same(String(pwd), lab.user.password)) {
    if (lab.authFailureDelayMs > 0) await sleep(lab.authFailureDelayMs);
    throw new XapiFault('SESSION_AUTHENTICATION_FAILED', [String(uname), 'Authentication failure']);
  }
  // XAPI caps sessions and invalidates the oldest beyond the cap (xapi.md §1.4); the lab keeps 500.
  const sessions = lab.db.all('session').sort((a, b) => String(a[1].last_active).localeCompare(String(b[1].last_active)));
  for (const [ref] of sessions.slice(0, Math.max(0, sessions.length - MAX_SESSIONS + 1))) lab.db.delete('session', ref);
  return lab.db.create('session', {
    this_host: lab.hostRef,
    last_active: xapiDate(),
    validation_time: xapiDate(),
    is_local_superuser: true,
    auth_user_name: String(uname),
    originator: typeof originator === 'string' ? originator : '',
  });
};

export const SESSION_HANDLERS: Record<string, Handler> = {
  'session.login_with_password': login,
  'session.logout': ({ lab, session }) => {
    lab.db.delete('session', session);
  },
};
