// An in-process SSH server that plays the guest: public-key login for one user, commands run for
// real (`sh -c` in a temp dir, with shims for sudo/reboot/cloud-init first on PATH), SFTP by the
// real OpenSSH sftp-server, direct-tcpip forwarding (so it can be a bastion too), and the
// misbehaviours the readiness code must survive (lab-notes.md §2 "Readiness gotchas").
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer, connect as tcpConnect, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import { writeShims } from './shims.js';

export const SFTP_SERVER = '/usr/lib/openssh/sftp-server';

export interface KeyPair {
  private: string;
  public: string;
}

export function generateKeyPair(): KeyPair {
  return ssh2.utils.generateKeyPairSync('ed25519');
}

export interface FixtureOptions {
  username?: string;
  /** How long a simulated reboot keeps the guest away (default 300 ms). */
  rebootDownMs?: number;
  /** Where to listen (default 127.0.0.1, a free port): a lab guest's `<address>:22`. */
  host?: string;
  port?: number;
  /** The host key to present (default: a fresh one), e.g. the one a seed's ssh_keys hands in. */
  hostKey?: KeyPair;
  /** The one public key allowed to log in (default: a fresh pair, in `clientKey`). */
  authorizedKey?: string;
  /** Told when the guest reboots or powers off (the shims' request), e.g. to stop the VM it plays. */
  onPower?: (action: 'reboot' | 'poweroff') => void;
}

export interface SshFixture {
  host: string;
  port: number;
  username: string;
  hostKey: KeyPair;
  clientKey: KeyPair;
  /** Temp dir: commands' working directory, boot_id, control files. */
  root: string;
  /** Commands received, in order. */
  commands: string[];
  logins: number;
  bootId(): Promise<string>;
  /** The next n TCP connections are accepted and then left silent (no banner): the QEMU hostfwd trap. */
  hangBanners(n: number): void;
  /** The next n TCP connections are reset at once: sshd restarting. */
  resetConnections(n: number): void;
  /** The next n reboots only drop the connections and come back with the same boot id. */
  fakeReboots(n: number): void;
  /** The next n logins succeed and then the connection is dropped at once. */
  dropAfterLogin(n: number): void;
  /** Ignore SSH signal requests from now on, as sshd does for root logins. */
  refuseSignals(refuse: boolean): void;
  /** What `cloud-init status --wait --long` answers; `dropFirst` drops the connection of the first n calls. */
  cloudInit(answer: { exit?: number; output?: string; dropFirst?: number }): Promise<void>;
  close(): Promise<void>;
}

export async function startSshFixture(opts: FixtureOptions = {}): Promise<SshFixture> {
  if (!existsSync(SFTP_SERVER)) throw new Error(`fixture: ${SFTP_SERVER} is missing; install the openssh-sftp-server package (scripts/packages.sh lists it)`);
  const root = await mkdtemp(join(tmpdir(), 'ingot-ssh-fixture-'));
  const ctl = join(root, '.ctl');
  await writeShims(join(ctl, 'bin'));
  await writeFile(join(root, 'boot_id'), `${randomUUID()}\n`);
  const hostKey = opts.hostKey ?? generateKeyPair();
  // With only an authorized public key given, the test does not hold the private half.
  const clientKey = opts.authorizedKey !== undefined ? { private: '', public: opts.authorizedKey } : generateKeyPair();
  const username = opts.username ?? 'builder';
  const allowed = ssh2.utils.parseKey(clientKey.public);
  if (allowed instanceof Error || Array.isArray(allowed)) throw new Error('fixture: cannot parse its own client key');
  const allowedBlob = allowed.getPublicSSH();
  let hang = 0;
  let reset = 0;
  let cloudInitDrops = 0;
  let down = false;
  let signalsRefused = false;
  let dropsAfterLogin = 0;
  let fakeReboots = 0;
  const connections = new Set<Connection>();
  const children = new Set<ChildProcess>();
  const fixture = {} as SshFixture;

  const setCloudInit = async (exit: number, output: string): Promise<void> => {
    await writeFile(join(ctl, 'cloud-init.exit'), `${exit}\n`);
    await writeFile(join(ctl, 'cloud-init.out'), `${output}\n`);
  };
  await setCloudInit(0, 'status: done');

  const ssh = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
    connections.add(client);
    client.on('close', () => connections.delete(client));
    client.on('error', () => {}); // the client going away mid-test is normal here
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.username !== username) return ctx.reject(['publickey']);
      const blob = ctx.key.data;
      if (blob.length !== allowedBlob.length || !timingSafeEqual(blob, allowedBlob)) return ctx.reject(['publickey']);
      if (ctx.signature === undefined) return ctx.accept(); // the "would you accept this key?" query
      if (ctx.blob !== undefined && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
      return ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      fixture.logins += 1;
      if (dropsAfterLogin > 0) {
        dropsAfterLogin -= 1;
        client.end(); // sshd restarted right after accepting the login (lab: "No response from server")
        return;
      }
      client.on('tcpip', (accept, reject, info) => {
        const upstream = tcpConnect(info.destPort, info.destIP);
        upstream.once('error', () => reject());
        upstream.once('connect', () => {
          const channel = accept();
          channel.pipe(upstream).pipe(channel);
          upstream.on('error', () => channel.close());
        });
      });
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (accept, _reject, info) => {
          fixture.commands.push(info.command);
          const channel = accept();
          if (info.command.includes('cloud-init status') && cloudInitDrops > 0) {
            cloudInitDrops -= 1;
            client.end(); // sshd restarted under this connection
            return;
          }
          const child = run(channel, info.command.replaceAll('/proc/sys/kernel/random/boot_id', join(root, 'boot_id')));
          // Like OpenSSH's sshd: killpg() on the session's process group, or a refusal (what sshd
          // does for root logins: "session signalling requires privilege separation").
          session.on('signal', (_accept, _reject, signal) => {
            if (!signalsRefused && child.pid !== undefined) process.kill(-child.pid, `SIG${signal.name}` as NodeJS.Signals);
          });
        });
        session.on('subsystem', (accept, reject, info) => {
          if (info.name !== 'sftp') return reject();
          const channel = accept();
          const child = spawn(SFTP_SERVER, ['-e', '-d', root], { stdio: ['pipe', 'pipe', 'inherit'] });
          track(child);
          channel.pipe(child.stdin);
          child.stdout.pipe(channel);
          child.on('exit', () => channel.close());
          channel.on('close', () => child.kill());
        });
      });
    });
  });

  function track(child: ChildProcess): void {
    children.add(child);
    child.on('exit', () => children.delete(child));
  }

  function run(channel: ServerChannel, command: string): ChildProcess {
    const child = spawn('sh', ['-c', command], {
      cwd: root,
      detached: true, // its own process group, as sshd gives each session (setsid)
      env: { ...process.env, PATH: `${join(ctl, 'bin')}:${process.env.PATH ?? ''}`, INGOT_FIXTURE_CTL: ctl },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    track(child);
    child.stdout.pipe(channel, { end: false });
    child.stderr.pipe(channel.stderr, { end: false });
    channel.pipe(child.stdin).on('error', () => {});
    child.on('close', (code, signal) => {
      if (code !== null) channel.exit(code);
      else channel.exit((signal ?? 'KILL').replace(/^SIG/, ''), false, '');
      channel.end();
    });
    return child;
  }

  // Reboots and power-offs the shims asked for (they may finish after their channel closed).
  // The request file is claimed by renaming it, so overlapping polls cannot handle it twice.
  const watcher = setInterval(() => {
    const claimed = join(ctl, `power.${randomUUID()}`);
    void rename(join(ctl, 'power'), claimed).then(
      async () => {
        const action = (await readFile(claimed, 'utf8')).trim();
        await unlink(claimed);
        down = true;
        for (const c of connections) c.end();
        opts.onPower?.(action === 'reboot' ? 'reboot' : 'poweroff');
        if (action === 'reboot') {
          setTimeout(() => {
            if (fakeReboots > 0) {
              fakeReboots -= 1; // only sshd restarted: same boot
              down = false;
              return;
            }
            void writeFile(join(root, 'boot_id'), `${randomUUID()}\n`).then(() => (down = false));
          }, opts.rebootDownMs ?? 300);
        }
      },
      () => {}, // no request pending
    );
  }, 50);
  watcher.unref();

  // The TCP front decides per connection: hold it silent, reset it, or hand it to the SSH server.
  const sockets = new Set<Socket>();
  const front: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (hang > 0) {
      hang -= 1;
      return;
    }
    if (reset > 0 || down) {
      if (!down) reset -= 1;
      socket.resetAndDestroy();
      return;
    }
    ssh.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = front.address();
  if (address === null || typeof address === 'string') throw new Error('fixture: no port');

  Object.assign(fixture, {
    host: opts.host ?? '127.0.0.1',
    port: address.port,
    username,
    hostKey,
    clientKey,
    root,
    commands: [],
    logins: 0,
    bootId: async () => (await readFile(join(root, 'boot_id'), 'utf8')).trim(),
    hangBanners: (n: number) => void (hang = n),
    resetConnections: (n: number) => void (reset = n),
    refuseSignals: (refuse: boolean) => void (signalsRefused = refuse),
    dropAfterLogin: (n: number) => void (dropsAfterLogin = n),
    fakeReboots: (n: number) => void (fakeReboots = n),
    cloudInit: async (answer: { exit?: number; output?: string; dropFirst?: number }) => {
      cloudInitDrops = answer.dropFirst ?? 0;
      await setCloudInit(answer.exit ?? 0, answer.output ?? 'status: done');
    },
    close: async () => {
      clearInterval(watcher);
      for (const c of connections) c.end();
      // Every socket, so closing the listener cannot wait on a client that never hangs up.
      for (const socket of sockets) socket.destroy();
      for (const child of children) if (child.pid !== undefined) try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  } satisfies Partial<SshFixture>);
  return fixture;
}

/** Command lines of running processes that contain `text` (reads /proc; no procps needed). */
export function processesMatching(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      if (cmdline.includes(text)) found.push(cmdline);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}
