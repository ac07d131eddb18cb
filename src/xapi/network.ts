// Networks and VIFs: the build NIC on the network the recipe names, or the management network.
import { IngotError } from '../errors/index.js';
import type { XapiClient } from './client.js';
import type { NetworkRecord, PIFRecord, Ref } from './types.generated.js';

export async function chooseNetwork(xapi: XapiClient, wanted: string | undefined): Promise<{ ref: Ref<'network'>; record: NetworkRecord }> {
  const all = Object.entries(await xapi.call<Record<string, NetworkRecord>>('network.get_all_records')) as Array<[Ref<'network'>, NetworkRecord]>;
  if (wanted === undefined || wanted === 'management') {
    const pifs = Object.values(await xapi.call<Record<string, PIFRecord>>('PIF.get_all_records'));
    const management = pifs.find((pif) => pif.management);
    const found = all.find(([ref]) => ref === management?.network);
    if (found === undefined) {
      throw new IngotError('XAPI_NOT_FOUND', 'the host has no management network', { hint: `Name a network in the recipe (vm.network): ${all.map(([, n]) => `"${n.name_label}"`).join(', ')}.` });
    }
    return { ref: found[0], record: found[1] };
  }
  const matches = all.filter(([, n]) => n.uuid === wanted || n.name_label === wanted);
  if (matches.length !== 1) {
    throw new IngotError('XAPI_NOT_FOUND', matches.length === 0 ? `no network named or with uuid "${wanted}"` : `${matches.length} networks are named "${wanted}"`, {
      hint: `Networks on this host: ${all.map(([, n]) => `"${n.name_label}" (${n.uuid})`).join(', ')}.`,
    });
  }
  return { ref: matches[0]![0], record: matches[0]![1] };
}

export async function attachNic(xapi: XapiClient, vm: Ref<'VM'>, network: Ref<'network'>, mtu: number): Promise<Ref<'VIF'>> {
  // device "0" is the NIC whose address the guest agent reports as "0/ip" (xapi.md §5.1).
  return xapi.call<Ref<'VIF'>>('VIF.create', {
    device: '0', network, VM: vm, MAC: '', MTU: mtu, other_config: {},
    qos_algorithm_type: '', qos_algorithm_params: {}, locking_mode: 'network_default',
  });
}
