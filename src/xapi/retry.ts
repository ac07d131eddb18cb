// Retries for XAPI calls, only on codes that mean "try again" (xapi.md §7): a disk still held
// right after a transfer, or another operation on the same object. Bounded: 6 tries over ~30 s.
import { setTimeout as sleep } from 'node:timers/promises';
import { xapiFailure } from './errors.js';

export const RETRYABLE = new Set(['VDI_IN_USE', 'OTHER_OPERATION_IN_PROGRESS']);

export async function withRetry<T>(fn: () => Promise<T>, { tries = 6, firstDelayMs = 500 } = {}): Promise<T> {
  let delay = firstDelayMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      const failure = xapiFailure(error);
      if (attempt >= tries || failure === undefined || !RETRYABLE.has(failure.code)) throw error;
      await sleep(delay);
      delay = Math.min(delay * 2, 8_000);
    }
  }
}
