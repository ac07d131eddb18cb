// An in-memory Hypervisor for the lab's own tests: it records each GuestSpec, "boots" after a short
// delay (agentReady), powers off on ACPI, and lets a test make the guest power itself off or crash.
import type { GuestHandle, GuestSpec, Hypervisor } from '../../../src/lab/hypervisor.js';

type ExitReason = 'poweroff' | 'crash' | 'killed';

export class FakeGuest implements GuestHandle {
  readonly #listeners: ((reason: ExitReason) => void)[] = [];
  readonly #ready: Promise<void>;
  #exited = false;
  #rejectReady: (error: Error) => void = () => undefined;

  constructor(
    readonly spec: GuestSpec,
    bootMs: number,
    private readonly shutdownMs = 20,
  ) {
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#rejectReady = reject;
      setTimeout(resolve, bootMs);
    });
    this.#ready.catch(() => undefined);
  }

  get exited(): boolean {
    return this.#exited;
  }

  agentReady(): Promise<void> {
    return this.#ready;
  }

  onExit(listener: (reason: ExitReason) => void): void {
    this.#listeners.push(listener);
  }

  /** The guest powers itself off (cloud-init power_state, `poweroff` in the guest). */
  exit(reason: ExitReason): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#rejectReady(new Error(`guest exited: ${reason}`));
    for (const l of this.#listeners) l(reason);
  }

  async acpiShutdown(): Promise<void> {
    setTimeout(() => this.exit('poweroff'), this.shutdownMs);
  }

  async kill(): Promise<void> {
    this.exit('killed');
  }
}

export class FakeHypervisor implements Hypervisor {
  readonly accel = 'tcg' as const;
  readonly accelReason = 'fake hypervisor for tests';
  readonly guests: FakeGuest[] = [];

  /** bootMs: until agentReady resolves; shutdownMs: from ACPI power button to poweroff. */
  constructor(
    private readonly bootMs = 50,
    private readonly shutdownMs = 20,
  ) {}

  async start(spec: GuestSpec): Promise<GuestHandle> {
    const guest = new FakeGuest(spec, this.bootMs, this.shutdownMs);
    this.guests.push(guest);
    return guest;
  }

  /** The most recent guest started for the VM with this uuid. */
  guestOf(uuid: string): FakeGuest | undefined {
    return this.guests.filter((g) => g.spec.uuid === uuid).at(-1);
  }
}
