// Who is calling an HTTP handler (xapi.md §4.3): a session_id (query or cookie), or HTTP Basic
// credentials, which XAPI turns into a temporary session logged out afterwards.
import type { IncomingMessage } from 'node:http';
import type { Lab } from '../context.js';
import { xapiDate } from '../db.js';

export interface Caller {
  session: string;
  /** Log out the temporary Basic-auth session once the transfer ends. */
  release(): void;
}

export function authenticate(lab: Lab, req: IncomingMessage, params: URLSearchParams): Caller | undefined {
  const sessionId = params.get('session_id');
  if (sessionId !== null) {
    return lab.db.find('session', sessionId) ? { session: sessionId, release: () => undefined } : undefined;
  }
  const header = req.headers.authorization ?? '';
  const m = /^Basic\s+(.+)$/i.exec(header);
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.slice(0, colon) !== lab.user.name || decoded.slice(colon + 1) !== lab.user.password) return undefined;
  const session = lab.db.create('session', {
    this_host: lab.hostRef,
    last_active: xapiDate(),
    is_local_superuser: true,
    auth_user_name: lab.user.name,
    originator: `${req.headers['user-agent'] ?? 'client'} using Basic auth`,
  });
  return { session, release: () => lab.db.find('session', session) && lab.db.delete('session', session) };
}
