// Bounded polling: XAPI state that changes under us (power state, guest metrics) is read until a
// condition holds, the deadline passes, or the user interrupts.
import { setTimeout as sleep } from 'node:timers/promises';
import { IngotError } from '../errors/index.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** Says what was being waited for and what was last seen, for the timeout error. */
  describe: () => string;
  hint: string;
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 2_000;
  for (;;) {
    opts.signal?.throwIfAborted();
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() + interval > deadline) {
      throw new IngotError('XAPI_TIMEOUT', `gave up after ${Math.round(opts.timeoutMs / 1000)} s waiting for ${opts.describe()}`, { hint: opts.hint });
    }
    await sleep(interval, undefined, opts.signal ? { signal: opts.signal } : undefined);
  }
}
