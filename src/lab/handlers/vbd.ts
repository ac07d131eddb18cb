// VBD.create/destroy/insert/eject with XAPI's validation (xapi.md §3.2, xapi_vbd.ml).
import type { Handler, Lab } from '../context.js';
import { NULL_REF, type Rec } from '../db.js';
import { XapiFault } from '../fault.js';
import { requirePowerState } from './checks.js';

/** VDI types a VBD may point at (xapi_vbd.ml:157-180). */
const ATTACHABLE = new Set(['system', 'user', 'ephemeral', 'suspend', 'crashdump', 'metadata', 'rrd', 'pvs_cache']);

/** userdevice as a slot number: "0".."15", or hdX/xvdX naming the same slot ("1" clashes with hdb). */
function slotOf(device: string): number | undefined {
  if (/^\d+$/.test(device)) return Number(device) <= 15 ? Number(device) : undefined;
  const m = /^(?:hd|xvd|sd)([a-p])$/.exec(device);
  return m ? (m[1] as string).charCodeAt(0) - 97 : undefined;
}

function usedSlots(lab: Lab, vmRef: string): Set<number> {
  const vm = lab.db.get('VM', vmRef);
  const slots = (vm.VBDs as string[]).map((v) => slotOf(String(lab.db.find('VBD', v)?.userdevice ?? '')));
  return new Set(slots.filter((s): s is number => s !== undefined));
}

export function allowedVbdDevices(lab: Lab, vmRef: string): string[] {
  const used = usedSlots(lab, vmRef);
  return Array.from({ length: 16 }, (_, i) => i).filter((i) => !used.has(i)).map(String);
}

export function createVbd(lab: Lab, fields: Rec): string {
  const vmRef = String(fields.VM);
  lab.db.get('VM', vmRef);
  const empty = fields.empty === true;
  if (fields.type === 'CD' && fields.mode !== 'RO') throw new XapiFault('VBD_CDS_MUST_BE_READONLY', []);
  if (empty && fields.type !== 'CD') throw new XapiFault('VBD_NOT_REMOVABLE_MEDIA', ['in constructor']);
  let vdiRef = String(fields.VDI);
  if (empty) vdiRef = NULL_REF;
  else {
    const vdi = lab.db.get('VDI', vdiRef);
    if (!ATTACHABLE.has(String(vdi.type))) throw new XapiFault('VDI_INCOMPATIBLE_TYPE', [vdiRef, String(vdi.type)]);
    if (fields.mode === 'RW' && vdi.read_only === true) throw new XapiFault('VDI_READONLY', [vdiRef]);
  }
  let userdevice = String(fields.userdevice);
  if (userdevice === 'autodetect') {
    // packer relies on it: the first free slot (xapi.md §3.2).
    const free = allowedVbdDevices(lab, vmRef)[0];
    if (free === undefined) throw new XapiFault('INVALID_DEVICE', [userdevice]);
    userdevice = free;
  }
  const slot = slotOf(userdevice);
  if (slot === undefined) throw new XapiFault('INVALID_DEVICE', [userdevice]);
  if (usedSlots(lab, vmRef).has(slot)) throw new XapiFault('DEVICE_ALREADY_EXISTS', [userdevice]);
  // device and currently_attached are ignored unless the VM is Suspended (xapi_vbd.ml).
  return lab.db.create('VBD', { ...fields, VDI: vdiRef, empty, userdevice, device: '', currently_attached: false });
}

function cdOf(lab: Lab, vbdRef: string): Rec {
  const vbd = lab.db.get('VBD', vbdRef);
  if (vbd.type !== 'CD') throw new XapiFault('VBD_NOT_REMOVABLE_MEDIA', [vbdRef]);
  const vm = lab.db.get('VM', vbd.VM);
  requirePowerState(String(vbd.VM), vm, ['Halted', 'Running']);
  return vbd;
}

export const VBD_HANDLERS: Record<string, Handler> = {
  'VBD.create': ({ lab }, [record]) => createVbd(lab, record as Rec),
  'VBD.destroy': ({ lab }, [self]) => {
    const vbd = lab.db.get('VBD', self);
    if (vbd.currently_attached === true) throw new XapiFault('OPERATION_NOT_ALLOWED', ['VBD is currently attached; shut the VM down or unplug it first']);
    lab.db.delete('VBD', String(self));
  },
  // On a halted VM insert/eject are DB-only (message_forwarding.ml); the lab does the same on a
  // running one and the guest sees the change at its next boot (docs/lab.md).
  'VBD.insert': ({ lab }, [self, vdi]) => {
    const vbd = cdOf(lab, String(self));
    if (vbd.empty !== true) throw new XapiFault('VBD_NOT_EMPTY', [String(self)]);
    lab.db.get('VDI', vdi);
    lab.db.update('VBD', String(self), { VDI: vdi, empty: false });
  },
  'VBD.eject': ({ lab }, [self]) => {
    const vbd = cdOf(lab, String(self));
    if (vbd.empty === true) throw new XapiFault('VBD_IS_EMPTY', [String(self)]);
    lab.db.update('VBD', String(self), { VDI: NULL_REF, empty: true });
  },
};
