// The optional "pool member" endpoint: a second address of the same pool that is not its
// coordinator, so clients' HOST_IS_SLAVE handling can be tested (xapi.md §1.4, §1.8). Logins (and
// any other session call) answer HOST_IS_SLAVE [master_address]; system.* still works.
import type { DispatchResult } from './dispatch.js';
import { listMethods } from './dispatch.js';
import { XapiFault } from './fault.js';
import { encode } from './wire/value.js';

export function memberDispatcher(masterAddress: string): (method: string, params: unknown[]) => Promise<DispatchResult> {
  return async (method) => {
    if (method === 'system.listMethods') return { kind: 'bare', value: encode(listMethods(), ['set', 'string']) };
    throw new XapiFault('HOST_IS_SLAVE', [masterAddress]);
  };
}
