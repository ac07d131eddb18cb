// The port through which the lab runs a VM (issue 4 item 6). src/lab/qemu implements it with QEMU;
// test/support/lab has an in-memory fake. The lab never knows which one it drives.

export interface GuestDisk { path: string; format: 'raw'; kind: 'disk' | 'cdrom'; readonly: boolean; bootable: boolean }
export interface GuestSpec {
  uuid: string; name: string; memoryBytes: number; vcpus: number;
  firmware: 'bios' | 'uefi'; bootOrder: string; // HVM_boot_params.order, e.g. "cd"
  disks: GuestDisk[]; nics: { mac: string }[];
  stateDir: string;              // a directory the runner may use for sockets, logs, pid files
  address: string;               // the loopback address the lab assigned this VM, e.g. 127.77.0.5
}
export interface GuestHandle {
  /** Resolves once the guest agent answers (the guest has booted); rejects if the guest dies first. */
  agentReady(): Promise<void>;
  /** The guest's sshd is reachable at `${spec.address}:22` (forwarded). */
  onExit(listener: (reason: 'poweroff' | 'crash' | 'killed') => void): void;
  acpiShutdown(): Promise<void>;   // clean_shutdown: ACPI power button
  kill(): Promise<void>;           // hard_shutdown
}
export interface Hypervisor {
  readonly accel: 'kvm' | 'tcg';
  readonly accelReason: string;    // printed by `ingot lab` on start
  start(spec: GuestSpec, signal?: AbortSignal): Promise<GuestHandle>;
}
