// What every handler receives: the lab's state and services, and the call's session and task.
import type { Db } from './db.js';
import type { Hypervisor, GuestHandle } from './hypervisor.js';
import type { Storage } from './storage.js';

export interface LabUser {
  name: string;
  password: string;
}

export interface Lab {
  db: Db;
  /** The state directory (db.json, certificate, SR directories, VM run directories). */
  dir: string;
  user: LabUser;
  poolRef: string;
  hostRef: string;
  storage: Storage;
  hypervisor: Hypervisor | undefined;
  /** Running guests by VM ref (runtime only, never persisted). */
  guests: Map<string, GuestHandle>;
  /** Loopback address assigned to each running VM (runtime only: never a field of a record). */
  addresses: Map<string, string>;
  /** The loopback /16 those addresses come from, "127.N" (LabOptions.guestNetwork). */
  guestNetwork: string;
  /** VMs whose shutdown came through the API (so actions_after_shutdown does not apply). */
  stopping: Set<string>;
  /** Tasks destroyed while pending: removed when they complete (xapi.md §1.6). */
  destroyWhenDone: Set<string>;
  /** Delay before SESSION_AUTHENTICATION_FAILED; XAPI waits 5 s (xapi.md §1.4). */
  authFailureDelayMs: number;
  /** Aborted when the lab shuts down: long polls return at once. */
  closing: AbortSignal;
}

export interface CallContext {
  lab: Lab;
  /** The wire name as called, without `Async.` (for error parameters). */
  method: string;
  /** The caller's session ref ('' for login). */
  session: string;
  /** The task running this call when it came in as Async.* or through an HTTP handler. */
  task: string | undefined;
}

export type Handler = (ctx: CallContext, args: unknown[]) => unknown;
