// `startLab`: the XAPI-compatible lab host in this process — state directory, certificate,
// database (seeded or loaded), the RPC and disk endpoints, and the optional pool-member endpoint.
// The CLI (`ingot lab`) and the tests both start it through here.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import type { Report } from '../cli/events.js';
import { silent } from '../cli/events.js';
import { IngotError } from '../errors/index.js';
import type { Lab, LabUser } from './context.js';
import { Db, type Rec } from './db.js';
import { deriveAllowedOperations } from './allowed-ops.js';
import { dispatch } from './dispatch.js';
import { markHalted } from './handlers/vm-power.js';
import type { Hypervisor } from './hypervisor.js';
import { memberDispatcher } from './member.js';
import { Saver, loadDb } from './persist.js';
import { router } from './http/router.js';
import { seed } from './seed.js';
import { Storage } from './storage.js';
import { type LabCertificate, ensureCertificate } from './tls.js';

const GiB = 1024 ** 3;
export const DEFAULT_GUEST_NETWORK = '127.77';

export interface LabOptions {
  /** State directory: db.json, tls/, sr/<uuid>/, vm/<uuid>/. */
  dir: string;
  user: LabUser;
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Plain HTTP instead of HTTPS. */
  http?: boolean;
  hypervisor?: Hypervisor;
  /** XAPI waits 5 s before SESSION_AUTHENTICATION_FAILED; tests shorten it. */
  authFailureDelayMs?: number;
  /** SR sizes for a fresh state directory (bytes). */
  srSizes?: Partial<{ ext: number; lvm: number; iso: number }>;
  /** A fresh state directory's local SR: `ext` (thin, default) or `lvm` (thick: the host then has no thin SR). */
  localSr?: 'ext' | 'lvm';
  /**
   * The loopback /16 the lab hands its VMs' addresses out of, as "127.N" (default 127.77): two labs
   * on one machine need different ones, or their guests' SSH forwards would claim the same address.
   */
  guestNetwork?: string;
  /** Also listen on this address (same port) as a pool member that is not the coordinator. */
  memberAddress?: string;
  report?: Report;
}

export interface RunningLab {
  url: string;
  /** The pool member's URL when `memberAddress` was given. */
  memberUrl: string | undefined;
  port: number;
  /** SHA-256 fingerprint of the certificate (undefined over plain HTTP). */
  fingerprint: string | undefined;
  certificate: LabCertificate | undefined;
  lab: Lab;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        new IngotError('LAB_LISTEN_FAILED', `The lab host cannot listen on ${host}:${port}: ${error.code ?? error.message}.`, {
          hint: error.code === 'EADDRINUSE' ? 'Another process uses that port: pick another with --port, or stop it.' : 'Check the address and port.',
          cause: error,
        }),
      );
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startLab(options: LabOptions): Promise<RunningLab> {
  const host = options.host ?? '127.0.0.1';
  const guestNetwork = options.guestNetwork ?? DEFAULT_GUEST_NETWORK;
  if (!/^127\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(guestNetwork)) {
    throw new IngotError('CONFIG_INVALID', `The guest network "${guestNetwork}" is not a loopback /16 written as 127.N.`, { hint: 'Guests are reachable on loopback only (lab-notes §6): give 127.77, 127.78, …' });
  }
  const report = options.report ?? silent;
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const certificate = options.http ? undefined : await ensureCertificate(options.dir, [host, ...(options.memberAddress ? [options.memberAddress] : [])]);
  let db = await loadDb(options.dir);
  const fresh = db === undefined;
  db ??= new Db();
  const sizes = { ext: 100 * GiB, lvm: 50 * GiB, iso: 10 * GiB, ...options.srSizes };
  const refs = fresh ? seed(db, { address: host, srSizes: sizes, ...(options.localSr ? { localSr: options.localSr } : {}) }) : { poolRef: db.all('pool')[0]?.[0], hostRef: db.all('host')[0]?.[0] };
  if (refs.poolRef === undefined || refs.hostRef === undefined) {
    throw new IngotError('LAB_STATE_INVALID', `The lab state in ${options.dir} has no pool or host record.`, { hint: 'Move that directory away to start from a fresh lab.' });
  }
  const attachedVdi = (vdi: Rec) => (vdi.VBDs as string[]).some((v) => db.find('VBD', v)?.currently_attached === true);
  db.derive = (cls, rec) => deriveAllowedOperations(cls, rec, attachedVdi);
  for (const cls of ['VM', 'VDI', 'VBD']) for (const [, rec] of db.all(cls)) db.derive(cls, rec);
  db.update('host', refs.hostRef, { address: host });
  const closing = new AbortController();
  const lab: Lab = {
    db,
    dir: options.dir,
    user: options.user,
    poolRef: refs.poolRef,
    hostRef: refs.hostRef,
    storage: new Storage(options.dir),
    hypervisor: options.hypervisor,
    guests: new Map(),
    addresses: new Map(),
    guestNetwork,
    stopping: new Set(),
    destroyWhenDone: new Set(),
    authFailureDelayMs: options.authFailureDelayMs ?? 5000,
    closing: closing.signal,
  };
  const saver = new Saver(options.dir, db);
  const unsubscribe = db.subscribe(() => saver.schedule());
  await saver.flush();

  const onError = (error: unknown) => report({ event: 'log', level: 'warn', message: `lab host: ${(error as Error).message}` });
  const make = (handler: ReturnType<typeof router>): Server =>
    certificate ? createHttpsServer({ cert: certificate.cert, key: certificate.key }, handler) : createHttpServer(handler);
  // --verbose shows each call: method, time, outcome (never its parameters: they hold secrets).
  const traced = async (method: string, params: unknown[]) => {
    const started = Date.now();
    const outcome = (what: string) => report({ event: 'log', level: 'debug', message: `rpc ${method} ${Date.now() - started} ms ${what}` });
    try {
      const result = await dispatch(lab, method, params);
      outcome('ok');
      return result;
    } catch (error) {
      outcome((error as { code?: string }).code ?? 'error');
      throw error;
    }
  };
  const server = make(router({ lab, dispatch: traced, onError }));
  const port = await listen(server, options.port ?? 0, host);
  let member: Server | undefined;
  if (options.memberAddress !== undefined) {
    member = make(router({ lab: undefined, dispatch: memberDispatcher(host), onError }));
    await listen(member, port, options.memberAddress);
  }
  const scheme = certificate ? 'https' : 'http';
  const urlOf = (h: string) => `${scheme}://${h.includes(':') ? `[${h}]` : h}:${port}`;

  return {
    url: urlOf(host),
    memberUrl: options.memberAddress ? urlOf(options.memberAddress) : undefined,
    port,
    fingerprint: certificate?.fingerprint,
    certificate,
    lab,
    async close() {
      closing.abort();
      await Promise.allSettled([...lab.guests.values()].map((g) => g.kill()));
      // Long polls have just been answered (closing aborts them); give in-flight replies a moment
      // to leave before cutting what remains, so clients see answers rather than resets.
      const servers = [server, member].filter((s): s is Server => s !== undefined);
      const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      for (const s of servers) s.closeIdleConnections();
      await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, 500))]);
      for (const s of servers) s.closeAllConnections();
      await Promise.all(closed);
      unsubscribe();
      // Guests are gone: record them halted before the final write.
      for (const vm of [...lab.guests.keys()]) markHalted(lab, vm);
      await saver.flush();
    },
  };
}
