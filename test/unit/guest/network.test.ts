// The network description rendered for NoCloud (v2) and for the config drive (network_data.json).
import { describe, expect, it } from 'vitest';
import { netmask, networkConfigV2, networkDataJson, type NetworkDescription } from '../../../src/guest/seed/network.js';

const dual: NetworkDescription = {
  interfaces: [
    { mac: '52:54:00:AA:BB:01', ipv4: { address: '192.0.2.10/24', gateway: '192.0.2.1' }, ipv6: { address: '2001:db8:1::10/64', gateway: '2001:db8:1::1' }, mtu: 9000 },
    { mac: '52:54:00:aa:bb:02', ipv4: 'dhcp', ipv6: 'dhcp' },
  ],
  dns: ['192.0.2.53', '2001:db8::53'],
};

describe('netmasks as Nova writes them', () => {
  it.each([
    [24, 4, '255.255.255.0'], [0, 4, '0.0.0.0'], [32, 4, '255.255.255.255'], [20, 4, '255.255.240.0'],
    [64, 6, 'ffff:ffff:ffff:ffff::'], [0, 6, '::'], [128, 6, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], [68, 6, 'ffff:ffff:ffff:ffff:f000::'],
  ] as const)('/%i (IPv%i) is %s', (prefix, family, mask) => {
    expect(netmask(prefix, family)).toBe(mask);
  });
});

describe('network_data.json', () => {
  it('has a link per NIC and a network per address family, with routes and DNS services', () => {
    const data = networkDataJson(dual) as { links: unknown[]; networks: Array<Record<string, unknown>>; services: unknown[] };
    expect(data.links).toEqual([
      expect.objectContaining({ id: 'tap0', type: 'vif', ethernet_mac_address: '52:54:00:aa:bb:01', mtu: 9000 }),
      expect.objectContaining({ id: 'tap1', type: 'vif', ethernet_mac_address: '52:54:00:aa:bb:02', mtu: 1500 }),
    ]);
    expect(data.networks.map((n) => [n.link, n.type])).toEqual([['tap0', 'ipv4'], ['tap0', 'ipv6'], ['tap1', 'ipv4_dhcp'], ['tap1', 'ipv6_dhcp']]);
    expect(data.networks[0]).toMatchObject({ ip_address: '192.0.2.10', netmask: '255.255.255.0', routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '192.0.2.1' }], services: [{ type: 'dns', address: '192.0.2.53' }] });
    expect(data.networks[1]).toMatchObject({ ip_address: '2001:db8:1::10', netmask: 'ffff:ffff:ffff:ffff::', routes: [{ network: '::', netmask: '::', gateway: '2001:db8:1::1' }] });
    expect(data.services).toEqual([{ type: 'dns', address: '192.0.2.53' }, { type: 'dns', address: '2001:db8::53' }]);
  });
});

describe('NoCloud network-config v2', () => {
  it('matches NICs by MAC and carries addresses, gateways, DHCP, SLAAC and DNS', () => {
    expect(networkConfigV2({ interfaces: [...dual.interfaces, { mac: '52:54:00:aa:bb:03', ipv6: 'slaac' }], dns: ['192.0.2.53'] })).toEqual({
      version: 2,
      ethernets: {
        eth0: { match: { macaddress: '52:54:00:aa:bb:01' }, 'set-name': 'eth0', mtu: 9000, addresses: ['192.0.2.10/24', '2001:db8:1::10/64'], gateway4: '192.0.2.1', gateway6: '2001:db8:1::1', nameservers: { addresses: ['192.0.2.53'] } },
        eth1: { match: { macaddress: '52:54:00:aa:bb:02' }, 'set-name': 'eth1', dhcp4: true, dhcp6: true, nameservers: { addresses: ['192.0.2.53'] } },
        eth2: { match: { macaddress: '52:54:00:aa:bb:03' }, 'set-name': 'eth2', 'accept-ra': true, nameservers: { addresses: ['192.0.2.53'] } },
      },
    });
  });
});

describe('network description checks', () => {
  it.each([
    ['no interfaces', { interfaces: [] }, /no interfaces/],
    ['a bad MAC', { interfaces: [{ mac: '52:54:00:aa:bb', ipv4: 'dhcp' }] }, /not a MAC address/],
    ['an address without prefix', { interfaces: [{ mac: '52:54:00:aa:bb:01', ipv4: { address: '10.0.0.5' } }] }, /not an IPv4 address with a prefix/],
    ['an IPv6 address as IPv4', { interfaces: [{ mac: '52:54:00:aa:bb:01', ipv4: { address: '2001:db8::1/64' } }] }, /not an IPv4 address/],
    ['a gateway of the wrong family', { interfaces: [{ mac: '52:54:00:aa:bb:01', ipv4: { address: '10.0.0.5/24', gateway: '::1' } }] }, /gateway "::1" is not an IPv4/],
    ['a NIC with no address family', { interfaces: [{ mac: '52:54:00:aa:bb:01' }] }, /neither IPv4 nor IPv6/],
    ['a DNS name instead of an address', { interfaces: [{ mac: '52:54:00:aa:bb:01', ipv4: 'dhcp' }], dns: ['dns.example'] }, /not an IP address/],
    ['a tiny MTU', { interfaces: [{ mac: '52:54:00:aa:bb:01', ipv4: 'dhcp', mtu: 100 }] }, /MTU 100/],
  ])('rejects %s with SEED_INVALID', (_what, net, message) => {
    expect(() => networkDataJson(net as NetworkDescription)).toThrow(expect.objectContaining({ code: 'SEED_INVALID', message: expect.stringMatching(message) }));
  });
});
