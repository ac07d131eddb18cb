// Waiting for the guest's address in VM_guest_metrics (xapi.md §5.1). A clone may carry the
// metrics of the VM it came from: a metrics record that was there before start is never trusted.
import type { XapiClient } from './client.js';
import { pickGuestAddress } from './guest-address.js';
import type { Ref } from './types.generated.js';
import { waitFor } from './wait.js';

const NULL_REF = 'OpaqueRef:NULL';

export async function guestMetricsRef(xapi: XapiClient, vm: Ref<'VM'>): Promise<string> {
  return xapi.call<string>('VM.get_guest_metrics', vm);
}

export interface AddressWait {
  /** The metrics ref read before VM.start; the same ref afterwards is stale. */
  staleMetrics: string;
  timeoutMs: number;
  /** After this long with only IPv6 reported, a global IPv6 address is accepted. */
  ipv4GraceMs: number;
  signal?: AbortSignal;
}

export async function waitForGuestAddress(xapi: XapiClient, vm: Ref<'VM'>, opts: AddressWait): Promise<string> {
  const started = Date.now();
  let seen = 'no guest metrics yet (the guest agent has not reported)';
  return waitFor(
    async () => {
      const metrics = await guestMetricsRef(xapi, vm);
      if (metrics === NULL_REF || metrics === '' || (metrics === opts.staleMetrics && opts.staleMetrics !== NULL_REF)) return undefined;
      const networks = await xapi.call<Record<string, string>>('VM_guest_metrics.get_networks', metrics);
      const choice = pickGuestAddress(networks, '0', Date.now() - started > opts.ipv4GraceMs);
      seen = choice.seen.length === 0 ? 'guest metrics with an empty networks map' : `guest metrics networks ${choice.seen.join(', ')}`;
      return choice.address;
    },
    {
      timeoutMs: opts.timeoutMs,
      intervalMs: 2_000,
      ...(opts.signal ? { signal: opts.signal } : {}),
      describe: () => `the guest's address on NIC 0; last seen: ${seen}`,
      hint:
        'The guest reports its address through a guest agent (xe-guest-utilities or xen-guest-agent; qemu-guest-agent on the lab host). ' +
        'Check that the image has one and that it starts, that the network gives the guest an address (DHCP), and look at the console. ' +
        'Run with --keep to inspect the VM.',
    },
  );
}
