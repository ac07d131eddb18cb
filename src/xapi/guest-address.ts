// Picks the guest's address from VM_guest_metrics.networks, with the quirks of xapi.md §5.1:
// values may be empty or hold several addresses; link-local IPv6 is useless; keys sort
// lexicographically ("10/ip" before "2/ip"); an IPv6-only map may come before IPv4 appears.
import { isIPv4, isIPv6 } from 'node:net';

export interface AddressChoice {
  /** The address to use, or undefined when nothing usable is reported yet. */
  address: string | undefined;
  /** Every address the map held, usable or not, for error messages ("what was seen"). */
  seen: string[];
}

const IPV4_KEY = /^(\d+)\/(ip|ipv4\/(\d+))$/;
const IPV6_KEY = /^(\d+)\/ipv6\/(\d+)$/;

/**
 * @param device the VIF.device whose address is wanted ("0" for the build NIC); other devices'
 *   addresses are never picked, since the build NIC is the one on the network ingot chose.
 * @param acceptIpv6 use a global IPv6 address when no IPv4 is reported (the caller decides when to
 *   stop waiting for IPv4).
 */
export function pickGuestAddress(networks: Record<string, string>, device = '0', acceptIpv6 = false): AddressChoice {
  const v4: Array<{ order: number; address: string }> = [];
  const v6: Array<{ order: number; address: string }> = [];
  const seen: string[] = [];
  for (const [key, value] of Object.entries(networks)) {
    for (const address of splitAddresses(value)) {
      seen.push(`${key}=${address}`);
      const m4 = IPV4_KEY.exec(key);
      if (m4 && m4[1] === device && isIPv4(address)) v4.push({ order: m4[3] === undefined ? -1 : Number(m4[3]), address });
      const m6 = IPV6_KEY.exec(key);
      if (m6 && m6[1] === device && isIPv6(address) && !isLinkLocal(address)) v6.push({ order: Number(m6[2]), address });
    }
  }
  // Numeric order, not the map's key order: "<dev>/ip" (the agent's first address) wins, then ipv4/0, ipv4/1…
  v4.sort((a, b) => a.order - b.order);
  v6.sort((a, b) => a.order - b.order);
  const address = v4[0]?.address ?? (acceptIpv6 ? v6[0]?.address : undefined);
  return { address, seen };
}

function splitAddresses(value: string): string[] {
  return value.split(/[\s,]+/).filter((part) => part !== '');
}

function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}
