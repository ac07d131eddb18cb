// VM.start / clean_shutdown / hard_shutdown / shutdown / pause / unpause through the Hypervisor
// port, with the state changes of xapi.md §8 ("After VM.start", "When the guest powers off").
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { CallContext, Handler, Lab } from '../context.js';
import { NULL_REF, xapiDate } from '../db.js';
import { XapiFault } from '../fault.js';
import type { GuestDisk, GuestSpec } from '../hypervisor.js';
import { vdiFile } from '../storage.js';
import { requireNotTemplate, requirePowerState } from './checks.js';

/** XAPI's default clean-shutdown timeout (1200 s); a guest ignoring ACPI ends in VM_SHUTDOWN_TIMEOUT. */
const CLEAN_SHUTDOWN_TIMEOUT_S = 1200;

/**
 * A distinct loopback address per running VM: 127.77.0.2, 127.77.0.3, … (127.77 is the lab's
 * guestNetwork), skipping one whose port 22 something else on this machine holds (another lab's
 * guest: every lab counts from .2). A guest that does not listen yet is not seen by that probe;
 * labs that run side by side take different guestNetworks.
 */
async function assignAddress(lab: Lab, vmRef: string): Promise<string> {
  for (let n = 2; n < 65534; n++) {
    const address = `${lab.guestNetwork}.${n >> 8}.${n & 255}`;
    if ((n & 255) === 0 || (n & 255) === 255 || [...lab.addresses.values()].includes(address)) continue;
    lab.addresses.set(vmRef, address); // reserved before the probe, so two boots of this lab never pick the same one
    if (await portFree(address, 22)) return address;
    lab.addresses.delete(vmRef);
  }
  throw new XapiFault('NO_HOSTS_AVAILABLE', []);
}

/** False only when the port is bound already (EADDRINUSE); other errors (no privilege to bind 22) say nothing about it. */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code !== 'EADDRINUSE'));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function firmwareOf(params: Record<string, string>): 'bios' | 'uefi' {
  const fw = params.firmware ?? 'bios';
  if (fw !== 'bios' && fw !== 'uefi') throw new XapiFault('INVALID_VALUE', ["HVM-boot-params['firmware']", fw]);
  return fw;
}

async function specOf(lab: Lab, vmRef: string): Promise<GuestSpec> {
  const vm = lab.db.get('VM', vmRef);
  const bootParams = vm.HVM_boot_params as Record<string, string>;
  const disks: GuestDisk[] = [];
  const vbds = (vm.VBDs as string[]).map((r) => lab.db.get('VBD', r)).sort((a, b) => Number(a.userdevice) - Number(b.userdevice));
  for (const vbd of vbds) {
    if (vbd.empty === true) continue;
    const cd = vbd.type === 'CD';
    disks.push({ path: vdiFile(lab, String(vbd.VDI)), format: 'raw', kind: cd ? 'cdrom' : 'disk', readonly: cd || vbd.mode === 'RO', bootable: vbd.bootable === true });
  }
  const nics = (vm.VIFs as string[])
    .map((r) => lab.db.get('VIF', r))
    .sort((a, b) => Number(a.device) - Number(b.device))
    .map((vif) => ({ mac: String(vif.MAC) }));
  return {
    uuid: String(vm.uuid),
    name: String(vm.name_label),
    memoryBytes: Number(vm.memory_static_max),
    vcpus: Number(vm.VCPUs_at_startup),
    firmware: firmwareOf(bootParams),
    bootOrder: bootParams.order || 'cd', // hvm_default_boot_order (xapi.md §5.2)
    disks,
    nics,
    stateDir: join(lab.dir, 'vm', String(vm.uuid)),
    address: await assignAddress(lab, vmRef),
  };
}

/** Halted, domid -1, devices detached; guest_metrics kept (xapi.md §8). */
export function markHalted(lab: Lab, vmRef: string): void {
  lab.guests.delete(vmRef);
  lab.addresses.delete(vmRef);
  const vm = lab.db.find('VM', vmRef);
  if (vm === undefined || vm.power_state === 'Halted') return;
  for (const r of vm.VBDs as string[]) if (lab.db.find('VBD', r)) lab.db.update('VBD', r, { currently_attached: false, device: '' });
  touchVdis(lab, vm.VBDs as string[]);
  for (const r of vm.VIFs as string[]) if (lab.db.find('VIF', r)) lab.db.update('VIF', r, { currently_attached: false });
  lab.db.update('VM', vmRef, { power_state: 'Halted', domid: -1, resident_on: NULL_REF });
  if (lab.db.find('VM_metrics', vm.metrics)) lab.db.update('VM_metrics', String(vm.metrics), { state: [], last_updated: xapiDate() });
}

/** Attaching or detaching changes what a VDI allows (allowed_operations is derived on update). */
function touchVdis(lab: Lab, vbds: string[]): void {
  for (const r of vbds) {
    const vdi = lab.db.find('VBD', r)?.VDI;
    if (lab.db.find('VDI', vdi)) lab.db.update('VDI', String(vdi), {});
  }
}

let nextDomid = 1;

async function boot(ctx: CallContext, vmRef: string): Promise<void> {
  const { lab } = ctx;
  if (lab.hypervisor === undefined) throw new XapiFault('NO_HOSTS_AVAILABLE', []);
  const spec = await specOf(lab, vmRef);
  await mkdir(spec.stateDir, { recursive: true });
  let handle;
  try {
    handle = await lab.hypervisor.start(spec, lab.closing);
  } catch (error) {
    lab.addresses.delete(vmRef);
    markHalted(lab, vmRef);
    throw new XapiFault('INTERNAL_ERROR', [`the hypervisor could not start the VM: ${(error as Error).message}`]);
  }
  lab.guests.set(vmRef, handle);
  const vm = lab.db.get('VM', vmRef);
  lab.db.update('VM', vmRef, { power_state: 'Running', domid: nextDomid++, resident_on: lab.hostRef });
  const letters = 'abcdefghijklmnop';
  for (const r of vm.VBDs as string[]) {
    const vbd = lab.db.get('VBD', r);
    if (vbd.empty !== true) lab.db.update('VBD', r, { currently_attached: true, device: `xvd${letters[Number(vbd.userdevice)] ?? 'a'}` });
  }
  touchVdis(lab, vm.VBDs as string[]);
  for (const r of vm.VIFs as string[]) lab.db.update('VIF', r, { currently_attached: true });
  lab.db.update('VM_metrics', String(vm.metrics), { start_time: xapiDate(), current_domain_type: 'hvm', VCPUs_number: vm.VCPUs_at_startup, memory_actual: vm.memory_static_max, last_updated: xapiDate() });
  handle.onExit((reason) => {
    const requested = lab.stopping.delete(vmRef);
    const rec = lab.db.find('VM', vmRef);
    markHalted(lab, vmRef);
    // A guest-initiated poweroff follows actions_after_shutdown: "restart" boots it again, so the VM
    // never reaches Halted (xapi.md §5.2). API shutdowns and kills always halt.
    if (!requested && reason === 'poweroff' && rec?.actions_after_shutdown === 'restart' && !lab.closing.aborted) {
      boot(ctx, vmRef).catch(() => undefined); // a failed reboot leaves the VM Halted
    }
  });
  const address = spec.address;
  // The agent's report, as xapi_guest_agent.ml would turn it into VM_guest_metrics (xapi.md §5.1).
  handle.agentReady().then(
    () => {
      if (lab.guests.get(vmRef) !== handle || lab.db.find('VM', vmRef) === undefined) return;
      const gm = lab.db.create('VM_guest_metrics', {
        live: true,
        PV_drivers_detected: true,
        networks: { '0/ip': address, '0/ipv4/0': address },
        other: { 'feature-shutdown': '1', 'feature-poweroff': '1', 'feature-reboot': '1' },
        last_updated: xapiDate(),
      });
      lab.db.update('VM', vmRef, { guest_metrics: gm });
    },
    () => undefined, // the guest died before its agent answered: onExit has moved it to Halted
  );
}

async function start(ctx: CallContext, vmRef: string, paused: boolean): Promise<void> {
  const { lab } = ctx;
  const vm = lab.db.get('VM', vmRef);
  requireNotTemplate(vmRef, vm, 'start');
  requirePowerState(vmRef, vm, ['Halted']);
  firmwareOf(vm.HVM_boot_params as Record<string, string>);
  // VM.start deletes guest metrics, so a clone's stale IP is never reported (xapi.md §8.12).
  if (lab.db.find('VM_guest_metrics', vm.guest_metrics)) lab.db.delete('VM_guest_metrics', String(vm.guest_metrics));
  const platform = { ...(vm.platform as Record<string, string>) };
  const uefi = (vm.HVM_boot_params as Record<string, string>).firmware === 'uefi';
  platform['device-model'] ??= uefi ? 'qemu-upstream-uefi' : 'qemu-upstream-compat';
  lab.db.update('VM', vmRef, { guest_metrics: NULL_REF, platform });
  if (paused) {
    // start_paused: resources allocated, vCPUs not running; VM.unpause boots it.
    lab.db.update('VM', vmRef, { power_state: 'Paused', domid: nextDomid++, resident_on: lab.hostRef });
    return;
  }
  await boot(ctx, vmRef);
}

function waitForHalt(lab: Lab, vmRef: string, seconds: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (lab.db.find('VM', vmRef)?.power_state !== 'Running') {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      }
    };
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new XapiFault('VM_SHUTDOWN_TIMEOUT', [vmRef, String(seconds)]));
    }, seconds * 1000);
    const unsubscribe = lab.db.subscribe(check);
    check();
  });
}

async function cleanShutdown(ctx: CallContext, vmRef: string, timeoutS = CLEAN_SHUTDOWN_TIMEOUT_S): Promise<void> {
  const { lab } = ctx;
  const vm = lab.db.get('VM', vmRef);
  requireNotTemplate(vmRef, vm, 'clean_shutdown');
  requirePowerState(vmRef, vm, ['Running']);
  const guest = lab.guests.get(vmRef);
  if (guest === undefined) return markHalted(lab, vmRef);
  lab.stopping.add(vmRef);
  await guest.acpiShutdown();
  await waitForHalt(lab, vmRef, timeoutS);
}

async function hardShutdown(ctx: CallContext, vmRef: string): Promise<void> {
  const { lab } = ctx;
  const vm = lab.db.get('VM', vmRef);
  requireNotTemplate(vmRef, vm, 'hard_shutdown');
  requirePowerState(vmRef, vm, ['Paused', 'Suspended', 'Running']);
  const guest = lab.guests.get(vmRef);
  lab.stopping.add(vmRef);
  if (guest !== undefined) await guest.kill();
  lab.stopping.delete(vmRef);
  markHalted(lab, vmRef);
}

export const VM_POWER_HANDLERS: Record<string, Handler> = {
  'VM.start': (ctx, [vm, paused]) => start(ctx, String(vm), paused === true),
  'VM.unpause': async (ctx, [vm]) => {
    const rec = ctx.lab.db.get('VM', vm);
    requirePowerState(String(vm), rec, ['Paused']);
    if (ctx.lab.guests.has(String(vm))) return;
    await boot(ctx, String(vm));
  },
  'VM.clean_shutdown': (ctx, [vm]) => cleanShutdown(ctx, String(vm)),
  'VM.hard_shutdown': (ctx, [vm]) => hardShutdown(ctx, String(vm)),
  // clean, then hard (since XS 6.2).
  'VM.shutdown': async (ctx, [vm]) => {
    try {
      await cleanShutdown(ctx, String(vm), 60);
    } catch (error) {
      if (error instanceof XapiFault && error.code === 'VM_SHUTDOWN_TIMEOUT') await hardShutdown(ctx, String(vm));
      else throw error;
    }
  },
};
