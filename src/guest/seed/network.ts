// A small network description and its two renderings: NoCloud `network-config` (cloud-init
// network config version 2) and OpenStack `network_data.json` (what Nova writes on a config
// drive; cloud-init's openstack helper `convert_net_json` reads links, networks and services).
import { isIP } from 'node:net';
import { IngotError } from '../../errors/index.js';

export interface StaticAddress {
  /** CIDR: "10.0.0.5/24" or "2001:db8::5/64". */
  address: string;
  gateway?: string;
}

export interface InterfaceDescription {
  /** MAC address of the NIC (XAPI `VIF.MAC`): how the guest finds which NIC this is. */
  mac: string;
  mtu?: number;
  ipv4?: 'dhcp' | StaticAddress;
  ipv6?: 'dhcp' | 'slaac' | StaticAddress;
}

export interface NetworkDescription {
  interfaces: InterfaceDescription[];
  /** DNS resolvers for every interface. */
  dns?: string[];
}

function invalid(message: string, hint: string): IngotError {
  return new IngotError('SEED_INVALID', message, { hint });
}

function parseCidr(cidr: string, family: 4 | 6): { ip: string; prefix: number } {
  const [ip = '', prefixText = ''] = cidr.split('/');
  const prefix = Number(prefixText);
  if (isIP(ip) !== family || !/^\d+$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) {
    throw invalid(`Network: "${cidr}" is not an IPv${family} address with a prefix length.`, family === 4 ? 'Write e.g. 10.0.0.5/24.' : 'Write e.g. 2001:db8::5/64.');
  }
  return { ip, prefix };
}

function checkGateway(gateway: string | undefined, family: 4 | 6): void {
  if (gateway !== undefined && isIP(gateway) !== family) throw invalid(`Network: gateway "${gateway}" is not an IPv${family} address.`, 'Give the router\'s address, without a prefix.');
}

/** Dotted (IPv4) or colon (IPv6) netmask from a prefix length, as Nova writes it. */
export function netmask(prefix: number, family: 4 | 6): string {
  const bits = family === 4 ? 32 : 128;
  let value = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  if (family === 4) return [24, 16, 8, 0].map((s) => String((value >> BigInt(s)) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) {
    groups.unshift(((value & 0xffffn)).toString(16));
    value >>= 16n;
  }
  return groups.join(':').replace(/(^|:)0(:0)+$/, '::').replace(/^0::$/, '::');
}

export function checkNetwork(net: NetworkDescription): void {
  if (net.interfaces.length === 0) throw invalid('Network: no interfaces described.', 'Describe at least one interface, e.g. { mac, ipv4: "dhcp" }.');
  for (const nic of net.interfaces) {
    if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(nic.mac)) throw invalid(`Network: "${nic.mac}" is not a MAC address.`, 'Write it as six colon-separated hex pairs, e.g. 52:54:00:12:34:56.');
    if (nic.mtu !== undefined && (!Number.isInteger(nic.mtu) || nic.mtu < 576 || nic.mtu > 65535)) throw invalid(`Network: MTU ${nic.mtu} of ${nic.mac} is outside 576–65535.`, 'Leave it out for the default 1500.');
    if (nic.ipv4 === undefined && nic.ipv6 === undefined) throw invalid(`Network: interface ${nic.mac} has neither IPv4 nor IPv6.`, 'Set ipv4: "dhcp" at least.');
    if (typeof nic.ipv4 === 'object') { parseCidr(nic.ipv4.address, 4); checkGateway(nic.ipv4.gateway, 4); }
    if (typeof nic.ipv6 === 'object') { parseCidr(nic.ipv6.address, 6); checkGateway(nic.ipv6.gateway, 6); }
  }
  for (const ns of net.dns ?? []) if (isIP(ns) === 0) throw invalid(`Network: DNS server "${ns}" is not an IP address.`, 'List resolver addresses, e.g. 192.0.2.53.');
}

/** NoCloud `network-config`: version 2, NICs matched by MAC (cloud-init "Networking config Version 2"). */
export function networkConfigV2(net: NetworkDescription): Record<string, unknown> {
  checkNetwork(net);
  const ethernets: Record<string, unknown> = {};
  net.interfaces.forEach((nic, i) => {
    const eth: Record<string, unknown> = { match: { macaddress: nic.mac.toLowerCase() }, 'set-name': `eth${i}` };
    if (nic.mtu !== undefined) eth.mtu = nic.mtu;
    const addresses: string[] = [];
    if (nic.ipv4 === 'dhcp') eth.dhcp4 = true;
    else if (nic.ipv4 !== undefined) {
      addresses.push(nic.ipv4.address);
      if (nic.ipv4.gateway !== undefined) eth.gateway4 = nic.ipv4.gateway;
    }
    if (nic.ipv6 === 'dhcp') eth.dhcp6 = true;
    else if (nic.ipv6 === 'slaac') eth['accept-ra'] = true;
    else if (nic.ipv6 !== undefined) {
      addresses.push(nic.ipv6.address);
      if (nic.ipv6.gateway !== undefined) eth.gateway6 = nic.ipv6.gateway;
    }
    if (addresses.length > 0) eth.addresses = addresses;
    if (net.dns !== undefined && net.dns.length > 0) eth.nameservers = { addresses: net.dns };
    ethernets[`eth${i}`] = eth;
  });
  return { version: 2, ethernets };
}

/** OpenStack `network_data.json` as Nova writes it: one link per NIC, one network per address family. */
export function networkDataJson(net: NetworkDescription): Record<string, unknown> {
  checkNetwork(net);
  const links: unknown[] = [];
  const networks: unknown[] = [];
  net.interfaces.forEach((nic, i) => {
    const link = `tap${i}`;
    links.push({ id: link, type: 'vif', ethernet_mac_address: nic.mac.toLowerCase(), mtu: nic.mtu ?? 1500, vif_id: `ingot-vif-${i}` });
    const add = (family: 4 | 6, spec: 'dhcp' | 'slaac' | StaticAddress): void => {
      const id = `network${networks.length}`;
      const base = { id, link, network_id: `ingot-net-${i}-v${family}` };
      if (spec === 'dhcp') { networks.push({ ...base, type: family === 4 ? 'ipv4_dhcp' : 'ipv6_dhcp' }); return; }
      if (spec === 'slaac') { networks.push({ ...base, type: 'ipv6_slaac' }); return; }
      const { ip, prefix } = parseCidr(spec.address, family);
      const any = family === 4 ? '0.0.0.0' : '::';
      networks.push({
        ...base,
        type: family === 4 ? 'ipv4' : 'ipv6',
        ip_address: ip,
        netmask: netmask(prefix, family),
        routes: spec.gateway === undefined ? [] : [{ network: any, netmask: any, gateway: spec.gateway }],
        services: (net.dns ?? []).filter((d) => isIP(d) === family).map((address) => ({ type: 'dns', address })),
      });
    };
    if (nic.ipv4 !== undefined) add(4, nic.ipv4);
    if (nic.ipv6 !== undefined) add(6, nic.ipv6);
  });
  const services = (net.dns ?? []).map((address) => ({ type: 'dns', address }));
  return { links, networks, services };
}
