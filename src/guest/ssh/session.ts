// A logged-in SSH connection to the guest (and the bastion connection it rides on, if any).
import type { Client } from 'ssh2';

export interface GuestSession {
  readonly client: Client;
  /** `user@host:port`, for messages. */
  readonly target: string;
  /** Settles when the connection to the guest is gone, for whatever reason. */
  readonly closed: Promise<void>;
  isOpen(): boolean;
  /** The last error the connection raised after login (a dropped link, a keepalive timeout). */
  lastError(): Error | undefined;
  /** Ends the guest connection, then the bastion's. Safe to call twice. */
  close(): void;
}

export function openSession(client: Client, target: string, chain: readonly Client[]): GuestSession {
  let open = true;
  let last: Error | undefined;
  const closed = new Promise<void>((resolve) => {
    client.once('close', () => {
      open = false;
      // The bastion link only carried this guest connection.
      for (const other of chain) if (other !== client) other.end();
      resolve();
    });
  });
  // Without a listener an 'error' after login would crash the process; the step that was
  // running sees its channel close and reports it, with this error as the cause.
  client.on('error', (error) => {
    last = error;
  });
  return {
    client,
    target,
    closed,
    isOpen: () => open,
    lastError: () => last,
    close: () => {
      for (const c of [...chain].reverse()) c.end();
    },
  };
}
