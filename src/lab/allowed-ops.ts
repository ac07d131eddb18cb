// allowed_operations, recomputed whenever a VM, VDI or VBD record changes (xapi.md §8: "allowed_operations
// is recomputed"). Advisory, as in XAPI; the lists name only operations the lab implements, in the
// power states where xapi_vm_lifecycle.ml allows them.
import type { Rec } from './db.js';

const MEMORY_VCPU = ['changing_memory_limits', 'changing_static_range', 'changing_dynamic_range', 'changing_VCPUs'];

export function vmAllowedOperations(vm: Rec): string[] {
  if (vm.is_control_domain === true) return [];
  // While an operation runs, only a hard shutdown may interrupt it (src/lab/handlers/operations.ts).
  const busy = Object.values((vm.current_operations ?? {}) as Record<string, string>);
  if (busy.length > 0 && vm.is_a_template !== true) return busy.includes('destroy') || vm.power_state === 'Halted' ? [] : ['hard_shutdown'];
  if (vm.is_a_template === true) {
    const isDefault = vm.is_default_template === true || (vm.other_config as Record<string, string>).default_template === 'true';
    return ['clone', 'copy', 'provision', ...MEMORY_VCPU, ...(isDefault ? [] : ['destroy'])];
  }
  switch (vm.power_state) {
    case 'Halted':
      return ['start', 'clone', 'copy', 'destroy', 'make_into_template', ...MEMORY_VCPU];
    case 'Running':
      return ['clean_shutdown', 'hard_shutdown', 'shutdown', 'changing_dynamic_range'];
    case 'Paused':
      return ['unpause', 'hard_shutdown', 'shutdown'];
    default:
      return ['hard_shutdown'];
  }
}

export function vdiAllowedOperations(vdi: Rec, attached: boolean): string[] {
  return attached ? ['clone', 'copy'] : ['clone', 'copy', 'resize', 'destroy'];
}

export function vbdAllowedOperations(vbd: Rec): string[] {
  if (vbd.type !== 'CD') return [];
  return vbd.empty === true ? ['insert'] : ['eject'];
}

/** The Db hook: fills allowed_operations of the record being written. */
export function deriveAllowedOperations(cls: string, rec: Rec, attachedVdi: (vdi: Rec) => boolean): void {
  if (cls === 'VM') rec.allowed_operations = vmAllowedOperations(rec);
  else if (cls === 'VBD') rec.allowed_operations = vbdAllowedOperations(rec);
  else if (cls === 'VDI') rec.allowed_operations = vdiAllowedOperations(rec, attachedVdi(rec));
}
