// One SSH connection attempt to the guest, optionally through a bastion (jump host), with the
// guest's host key verified against the pinned one and one hard deadline over the whole attempt:
// TCP connect, banner, key exchange and authentication. A connect timeout alone is not enough:
// a QEMU hostfwd port accepts TCP before the guest is up and then never sends a banner
// (lab-notes.md §2 "Readiness gotchas").
import { connect as tcpConnect, type Socket } from 'node:net';
import ssh2, { type Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { Report } from '../../cli/events.js';
import { IngotError } from '../../errors/index.js';
import type { Redactor } from '../../redact.js';
import { attemptError, classify, timeoutKind, type Phase } from './attempt.js';
import { fingerprintOf, hostKeyVerifier, type HostKeyPin, type HostKeyPolicy } from './host-key.js';
import { checkPrivateKey, registerPrivateKey } from './keys.js';
import { openSession, type GuestSession } from './session.js';

export interface SshEndpoint {
  host: string;
  /** Default 22. */
  port?: number;
  username: string;
  /** OpenSSH or PEM private key text (never a path: the caller reads files). */
  privateKey?: string;
  /** An ssh-agent socket path (for a bastion reached with the operator's own key). */
  agent?: string;
  /** The key the server must present: an OpenSSH public key line or a `SHA256:` fingerprint (or a policy, host-key.ts). */
  hostKey: HostKeyPin | HostKeyPolicy;
}

export interface ConnectTimeouts {
  /** Hard limit for one attempt, from TCP connect to a logged-in session (default 20 s). */
  attemptMs?: number;
  /** SSH keepalive interval once connected; a dead peer is noticed after 3 missed answers (default 5 s). */
  keepaliveMs?: number;
}

export interface ConnectOptions extends SshEndpoint {
  /** A jump host the guest is reached through (ssh2 forwardOut, like `ssh -J`). */
  bastion?: SshEndpoint;
  signal?: AbortSignal;
  report?: Report;
  /** Secrets (the private keys) are registered here before anything can print them. */
  redactor?: Redactor;
  timeouts?: ConnectTimeouts;
}

export const DEFAULT_ATTEMPT_MS = 20_000;

export function describeEndpoint(endpoint: SshEndpoint): string {
  return `${endpoint.username}@${endpoint.host}:${endpoint.port ?? 22}`;
}

export function interrupted(what: string): IngotError {
  return new IngotError('INTERRUPTED', `Interrupted while ${what}.`, { hint: 'Nothing more was sent to the guest.' });
}

/** Connects once; throws an attempt error whose `details.kind` says what went wrong (attempt.ts). */
export async function connectGuest(opts: ConnectOptions): Promise<GuestSession> {
  const attemptMs = opts.timeouts?.attemptMs ?? DEFAULT_ATTEMPT_MS;
  const keepaliveMs = opts.timeouts?.keepaliveMs ?? 5_000;
  const hops = opts.bastion === undefined ? [opts] : [opts.bastion, opts];
  const labels = hops.map((hop, i) => (i === 0 && hops.length === 2 ? `bastion ${describeEndpoint(hop)}` : describeEndpoint(hop)));
  hops.forEach((hop, i) => {
    registerPrivateKey(opts.redactor, hop.privateKey);
    if (hop.privateKey === undefined && hop.agent === undefined) {
      throw new IngotError('GUEST_AUTH_FAILED', `No credentials for ${labels[i]}: expected a private key or an ssh-agent socket.`, {
        hint: 'The guest is reached with the build key ingot generates; a bastion needs a key file or SSH_AUTH_SOCK.',
      });
    }
    if (hop.privateKey !== undefined) checkPrivateKey(hop.privateKey, labels[i] ?? hop.host);
  });
  const verifiers = hops.map((hop, i) => hostKeyVerifier(hop.hostKey, labels[i] ?? hop.host));
  if (opts.signal?.aborted) throw interrupted(`connecting to ${describeEndpoint(opts)}`);

  const clients: Client[] = [];
  let phase: Phase = 'tcp';
  let current = labels[0] ?? describeEndpoint(opts);

  return new Promise<GuestSession>((resolve, reject) => {
    let settled = false;
    const finish = (): void => {
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: unknown): void => {
      if (settled) return;
      finish();
      for (const client of clients) client.destroy();
      reject(error);
    };
    const timer = setTimeout(() => {
      fail(attemptError(current, timeoutKind(phase), new Error(`no progress within ${attemptMs} ms (phase: ${phase})`)));
    }, attemptMs);
    const onAbort = (): void => fail(interrupted(`connecting to ${current}`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const hop = (index: number, sock: ClientChannel | undefined): Promise<Client> =>
      new Promise<Client>((hopResolve, hopReject) => {
        const endpoint = hops[index] as SshEndpoint;
        const label = labels[index] as string;
        const verify = verifiers[index] as ReturnType<typeof hostKeyVerifier>;
        current = label;
        phase = sock === undefined ? 'tcp' : 'banner';
        let mismatch: IngotError | undefined;
        let ready = false;
        const client = new ssh2.Client();
        clients.push(client);
        // Our own socket (or the bastion's channel), so the first byte from the server (its
        // banner) can be seen: it separates "silent port" from "slow key exchange".
        const link: Socket | ClientChannel = sock ?? tcpConnect({ host: endpoint.host, port: endpoint.port ?? 22 });
        client.on('connect', () => {
          phase = 'banner';
          // ssh2 paused the stream; this listener shares the data once ssh2 resumes it.
          link.once('data', () => {
            if (phase === 'banner') phase = 'kex';
          });
        });
        client.on('handshake', () => (phase = 'auth'));
        client.on('ready', () => {
          ready = true;
          hopResolve(client);
        });
        client.on('error', (error) => {
          if (!ready) hopReject(mismatch ?? attemptError(label, classify(error, phase), error));
        });
        client.on('close', () => {
          if (!ready) hopReject(mismatch ?? attemptError(label, 'reset', new Error('connection closed before login')));
        });
        const config: ConnectConfig = {
          host: endpoint.host,
          port: endpoint.port ?? 22,
          username: endpoint.username,
          // Our own timer is the deadline; ssh2's is a backstop just behind it.
          readyTimeout: attemptMs + 1_000,
          keepaliveInterval: keepaliveMs,
          keepaliveCountMax: 3,
          hostVerifier: (key: Buffer): boolean => {
            mismatch = verify(fingerprintOf(key));
            return mismatch === undefined;
          },
        };
        if (endpoint.privateKey !== undefined) config.privateKey = endpoint.privateKey;
        if (endpoint.agent !== undefined) config.agent = endpoint.agent;
        config.sock = link;
        client.connect(config);
      });

    const forward = (jump: Client, host: string, port: number): Promise<ClientChannel> =>
      new Promise((fwdResolve, fwdReject) => {
        phase = 'forward';
        current = `${describeEndpoint(opts)} (through ${labels[0]})`;
        jump.forwardOut('127.0.0.1', 0, host, port, (error, stream) => {
          if (error) fwdReject(attemptError(current, classify(error, 'tcp'), error));
          else fwdResolve(stream);
        });
      });

    (async () => {
      let sock: ClientChannel | undefined;
      if (hops.length === 2) sock = await forward(await hop(0, undefined), opts.host, opts.port ?? 22);
      return hop(hops.length - 1, sock);
    })().then((client) => {
      if (settled) {
        for (const c of clients) c.destroy();
        return;
      }
      finish();
      opts.report?.({ event: 'log', level: 'debug', message: `ssh: logged in to ${describeEndpoint(opts)}${hops.length === 2 ? ` through ${labels[0]}` : ''}` });
      resolve(openSession(client, describeEndpoint(opts), clients));
    }, fail);
  });
}
