// Starts a real all-in-one OpenStack Swift (Debian's packages) on loopback for the tests:
// tempauth + memcached, one replica, rings built fresh, every server in its own session (setsid)
// with logs and PIDs in a temp dir, stopped by PID. Facts: ../shared lab-notes.md §1,
// rackspace.md §2.7 (account_autocreate, mount_check, memcached required for tempauth).
import { spawn, execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

const run = promisify(execFile);

export const SWIFT_BINARIES = ['swift-proxy-server', 'swift-object-server', 'swift-container-server', 'swift-account-server', 'swift-ring-builder', 'memcached'];

export interface SwiftInfo {
  /** e.g. http://127.0.0.1:PORT */
  proxyUrl: string;
  /** tempauth v1.0 endpoint */
  authUrl: string;
  storageUrl: string;
  user: string;
  key: string;
  baseDir: string;
}

export interface SwiftHandle extends SwiftInfo {
  stop(): Promise<void>;
}

/** Which of the binaries Swift needs are missing from PATH (empty when all are there). */
export function missingSwiftBinaries(): string[] {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin']);
  return SWIFT_BINARIES.filter((bin) => !dirs.some((dir) => existsSync(join(dir, bin))));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function serverConf(kind: 'object' | 'container' | 'account', port: number, base: string, user: string): string {
  return `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
workers = 1
user = ${user}
swift_dir = ${base}/etc
devices = ${base}/srv
mount_check = false
disable_fallocate = true
log_name = ${kind}-server

[pipeline:main]
pipeline = ${kind}-server

[app:${kind}-server]
use = egg:swift#${kind}
`;
}

function proxyConf(port: number, mcPort: number, base: string, user: string): string {
  const filters = ['catch_errors', 'gatekeeper', 'healthcheck', 'listing_formats', 'bulk', 'tempurl', 'copy', 'slo', 'dlo', 'versioned_writes', 'symlink'];
  return `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
workers = 1
user = ${user}
swift_dir = ${base}/etc
log_name = proxy-server

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
# Off by default: the first container PUT on a fresh account would 404 (rackspace.md §2.7).
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
user_test_other = otherkey .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${mcPort}

[filter:proxy-logging]
use = egg:swift#proxy_logging

${filters.map((f) => `[filter:${f}]\nuse = egg:swift#${f}\n`).join('\n')}`;
}

// One Python process builds all three rings through Swift's RingBuilder API: nine
// `swift-ring-builder` runs cost ~5 s idle and over 30 s on a busy 2-core machine.
const RING_SCRIPT = `
import sys
from swift.common.ring import RingBuilder
etc = sys.argv[1]
for arg in sys.argv[2:]:
    kind, port = arg.split('=')
    builder = RingBuilder(6, 1, 1)
    builder.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port), 'device': 'd1', 'weight': 100, 'meta': ''})
    builder.rebalance()
    builder.get_ring().save('%s/%s.ring.gz' % (etc, kind))
`;

/** The interpreter Swift's own scripts run with (their shebang), not whatever python3 is first on PATH. */
async function swiftPython(): Promise<string> {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/bin']);
  for (const dir of dirs) {
    const script = join(dir, 'swift-ring-builder');
    if (existsSync(script)) {
      const first = (await readFile(script, 'utf8')).split('\n')[0] ?? '';
      const m = /^#!\s*(\S+)/.exec(first);
      if (m) return m[1]!;
    }
  }
  return '/usr/bin/python3';
}

async function buildRings(etc: string, ports: Record<'object' | 'container' | 'account', number>): Promise<void> {
  await run(await swiftPython(), ['-c', RING_SCRIPT, etc, ...Object.entries(ports).map(([kind, port]) => `${kind}=${port}`)]);
}

async function startDetached(bin: string, args: string[], logFile: string): Promise<number> {
  const log = await open(logFile, 'a');
  // detached = setsid(): Swift's SIGTERM handler kills its own process group (lab-notes §1).
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', log.fd, log.fd] });
  child.unref();
  await log.close();
  if (child.pid === undefined) throw new Error(`could not start ${bin} (see ${logFile})`);
  return child.pid;
}

async function waitReady(info: SwiftInfo, pids: number[], deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const auth = await fetch(info.authUrl, { headers: { 'X-Auth-User': info.user, 'X-Auth-Key': info.key } });
      const token = auth.headers.get('x-auth-token');
      if (auth.status === 200 && token) {
        const put = await fetch(`${info.storageUrl}/ready-check`, { method: 'PUT', headers: { 'X-Auth-Token': token } });
        if (put.status === 201 || put.status === 202) return;
        last = `container PUT ${put.status}`;
      } else last = `auth ${auth.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 0);
      } catch {
        throw new Error(`a Swift process (pid ${pid}) exited during start-up; logs in ${info.baseDir}/log`);
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Swift did not become ready in ${deadlineMs} ms (last: ${last}); logs in ${info.baseDir}/log`);
}

async function stopPids(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGTERM'); // the group we created with setsid; pid == pgid
    } catch {
      // already gone
    }
  }
  const until = Date.now() + 5000;
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  while (pids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone between the check and the kill
    }
  }
}

/** Starts memcached and the four Swift servers; resolves when an authenticated container PUT works. */
export async function startSwift(): Promise<SwiftHandle> {
  const base = await mkdtemp(join(tmpdir(), 'ingot-swift-'));
  const etc = join(base, 'etc');
  await Promise.all([mkdir(etc), mkdir(join(base, 'srv', 'd1'), { recursive: true }), mkdir(join(base, 'log')), mkdir(join(base, 'run'))]);
  const [proxy, object, container, account, mc] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const user = userInfo().username;
  await writeFile(join(etc, 'swift.conf'), `[swift-hash]\nswift_hash_path_suffix = ${randomBytes(8).toString('hex')}\n\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n`);
  await writeFile(join(etc, 'proxy-server.conf'), proxyConf(proxy, mc, base, user));
  await writeFile(join(etc, 'object-server.conf'), serverConf('object', object, base, user));
  await writeFile(join(etc, 'container-server.conf'), serverConf('container', container, base, user));
  await writeFile(join(etc, 'account-server.conf'), serverConf('account', account, base, user));
  await buildRings(etc, { object, container, account });

  const pids: number[] = [];
  const info: SwiftInfo = {
    proxyUrl: `http://127.0.0.1:${proxy}`,
    authUrl: `http://127.0.0.1:${proxy}/auth/v1.0`,
    storageUrl: `http://127.0.0.1:${proxy}/v1/AUTH_test`,
    user: 'test:tester',
    key: 'testing',
    baseDir: base,
  };
  const stop = async (): Promise<void> => {
    await stopPids(pids);
    if (process.env.INGOT_KEEP_SWIFT === undefined) await rm(base, { recursive: true, force: true });
  };
  try {
    const memcachedArgs = ['-l', '127.0.0.1', '-p', String(mc), '-U', '0', '-m', '32'];
    if (user === 'root') memcachedArgs.push('-u', 'root');
    pids.push(await startDetached('memcached', memcachedArgs, join(base, 'log', 'memcached.log')));
    for (const kind of ['account', 'container', 'object', 'proxy']) {
      pids.push(await startDetached(`swift-${kind}-server`, [join(etc, `${kind}-server.conf`), '-v'], join(base, 'log', `${kind}.log`)));
    }
    await writeFile(join(base, 'run', 'pids'), `${pids.join('\n')}\n`);
    await waitReady(info, pids, 45_000);
  } catch (error) {
    await stopPids(pids);
    throw error;
  }
  return { ...info, stop };
}
