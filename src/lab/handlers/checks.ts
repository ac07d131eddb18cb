// The VM operation checks of xapi_vm_lifecycle.ml (xapi.md §3.2): allowed power states, templates.
import type { Rec } from '../db.js';
import { XapiFault } from '../fault.js';

/**
 * VM_BAD_POWER_STATE [vm, expected, actual]: lowercase, `expected` joined with ", " (xapi.md §3.2,
 * §8.11) — e.g. ["OpaqueRef:…", "paused, suspended, running", "halted"].
 */
export function requirePowerState(vmRef: string, vm: Rec, allowed: string[]): void {
  const actual = String(vm.power_state);
  if (allowed.includes(actual)) return;
  throw new XapiFault('VM_BAD_POWER_STATE', [vmRef, allowed.map((s) => s.toLowerCase()).join(', '), actual.toLowerCase()]);
}

/** Templates may only clone, copy, provision (and destroy if not default): VM_IS_TEMPLATE [vm, op]. */
export function requireNotTemplate(vmRef: string, vm: Rec, op: string): void {
  if (vm.is_a_template === true) throw new XapiFault('VM_IS_TEMPLATE', [vmRef, op]);
}
