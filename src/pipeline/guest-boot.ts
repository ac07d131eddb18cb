// Starting a VM and waiting for its guest: the build's and the rehearsal's boot stages share it.
import { IngotError } from '../errors/index.js';
import type { XapiClient } from '../xapi/client.js';
import { guestMetricsRef, waitForGuestAddress } from '../xapi/metrics.js';
import type { Ref } from '../xapi/types.generated.js';
import { startVm, stopVm } from '../xapi/vm.js';
import type { CleanupStack } from './cleanup.js';

const MINUTE = 60_000;

/**
 * Starts `vm` and resolves with the guest's address once its tools report one. The stop is
 * registered before the start, so an unwind stops the VM before it removes the disks the VM holds
 * (a running VM's VDIs answer VDI_IN_USE); metrics left from an earlier run are not taken for
 * this boot's.
 */
export async function startAndAwaitAddress(xapi: XapiClient, vm: Ref<'VM'>, cleanup: CleanupStack, opts: { timeoutMs: number; ipv4GraceMs: number; signal: AbortSignal }): Promise<string> {
  const stale = await guestMetricsRef(xapi, vm);
  cleanup.register(`running VM ${vm}`, async () => void (await stopVm(xapi, vm, MINUTE)));
  await startVm(xapi, vm);
  return waitForGuestAddress(xapi, vm, { staleMetrics: stale, ...opts });
}

/** A wait that fails with `code` (a timeout) gets `fix` (what to raise, and its value now) added to its hint. */
export async function hintOnTimeout<T>(wait: Promise<T>, code: IngotError['code'], fix: string): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    if (!(error instanceof IngotError) || error.code !== code) throw error;
    throw new IngotError(code, error.message, {
      hint: `${error.hint ?? ''} If the guest is only slow, ${fix}.`.trim(),
      cause: error,
      ...(error.details ? { details: error.details } : {}),
    });
  }
}
