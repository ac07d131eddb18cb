import { describe, expect, it } from 'vitest';
import { pickGuestAddress } from '../../../src/xapi/guest-address.js';

describe('picking the guest address from guest metrics (xapi.md §5.1)', () => {
  it('takes 0/ip when present', () => {
    expect(pickGuestAddress({ '0/ip': '10.0.0.23', '0/ipv4/0': '10.0.0.23', '0/ipv6/0': 'fe80::1' }).address).toBe('10.0.0.23');
  });

  it('reports nothing for an empty map or empty values, and keeps waiting', () => {
    expect(pickGuestAddress({}).address).toBeUndefined();
    expect(pickGuestAddress({ '0/ip': '', '0/ipv4/0': '' }).address).toBeUndefined();
  });

  it('takes the first of several addresses in one value', () => {
    expect(pickGuestAddress({ '0/ip': '192.0.2.10 192.0.2.11\n192.0.2.12' }).address).toBe('192.0.2.10');
  });

  it('never picks a link-local IPv6 address, even when told IPv6 is acceptable', () => {
    expect(pickGuestAddress({ '0/ipv6/0': 'fe80::216:3eff:fe00:1' }, '0', true).address).toBeUndefined();
  });

  it('waits for IPv4 while only IPv6 is reported, unless IPv6 is accepted', () => {
    const networks = { '0/ipv6/0': 'fe80::1', '0/ipv6/1': '2001:db8::5' };
    expect(pickGuestAddress(networks).address).toBeUndefined();
    expect(pickGuestAddress(networks, '0', true).address).toBe('2001:db8::5');
  });

  it('picks the build NIC by device number, not by lexicographic key order ("10/ip" sorts before "2/ip")', () => {
    const networks = { '10/ip': '198.51.100.10', '2/ip': '198.51.100.2', '1/ipv4/0': '198.51.100.1' };
    expect(pickGuestAddress(networks, '2').address).toBe('198.51.100.2');
    expect(pickGuestAddress(networks, '0').address).toBeUndefined();
  });

  it('orders ipv4/N numerically when there is no <dev>/ip key', () => {
    expect(pickGuestAddress({ '0/ipv4/10': '203.0.113.10', '0/ipv4/2': '203.0.113.2' }).address).toBe('203.0.113.2');
  });

  it('lists everything it saw, for the error when no usable address ever comes', () => {
    expect(pickGuestAddress({ '0/ipv6/0': 'fe80::1', '1/ip': '10.1.1.1' }).seen).toEqual(['0/ipv6/0=fe80::1', '1/ip=10.1.1.1']);
  });

  it('ignores values that are not addresses', () => {
    expect(pickGuestAddress({ '0/ip': 'unknown', '0/ipv4/0': '10.9.9.9' }).address).toBe('10.9.9.9');
  });
});
