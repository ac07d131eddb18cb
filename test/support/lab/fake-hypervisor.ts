// An in-memory Hypervisor for the lab's own tests: it records each GuestSpec, "boots" after a short
// delay (agentReady), powers off on ACPI, and lets a test make the guest power itself off or crash.
// A test may also script what each guest does (`FakeHypervisor.script`): never report an address
// (no guest agent), or serve something at its address once booted (an sshd set up from its seed).
import type { GuestHandle, GuestSpec, Hypervisor } from '../../../src/lab/hypervisor.js';

type ExitReason = 'poweroff' | 'crash' | 'killed';

/** What one fake guest does besides booting. */
export interface FakeGuestScript {
  /** false: the guest has no agent, so its address never reaches the guest metrics. */
  agent?: boolean;
  /** Runs once the guest has booted, before its agent reports; the function it returns runs when the guest stops. */
  onBoot?: (guest: FakeGuest) => Promise<() => Promise<void>>;
}

export class FakeGuest implements GuestHandle {
  readonly #listeners: ((reason: ExitReason) => void)[] = [];
  readonly #ready: Promise<void>;
  #exited = false;
  #rejectReady: (error: Error) => void = () => undefined;
  #stopServices: Promise<(() => Promise<void>) | undefined> = Promise.resolve(undefined);

  constructor(
    readonly spec: GuestSpec,
    bootMs: number,
    private readonly shutdownMs = 20,
    script: FakeGuestScript = {},
  ) {
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#rejectReady = reject;
      setTimeout(() => {
        if (this.#exited) return;
        this.#stopServices = script.onBoot === undefined ? Promise.resolve(undefined) : script.onBoot(this);
        this.#stopServices.then(
          () => (script.agent === false ? undefined : resolve()), // no agent: never ready, rejected on exit
          (error: unknown) => {
            reject(error as Error);
            this.exit('crash');
          },
        );
      }, bootMs);
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
    void this.#stopServices.then((stop) => stop?.()).catch(() => undefined);
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
  /** Decides what each guest started from now on does (default: boots and reports its address). */
  script: (spec: GuestSpec) => FakeGuestScript = () => ({});

  /** bootMs: until agentReady resolves; shutdownMs: from ACPI power button to poweroff. */
  constructor(
    private readonly bootMs = 50,
    private readonly shutdownMs = 20,
  ) {}

  async start(spec: GuestSpec): Promise<GuestHandle> {
    const guest = new FakeGuest(spec, this.bootMs, this.shutdownMs, this.script(spec));
    this.guests.push(guest);
    return guest;
  }

  /** The most recent guest started for the VM with this uuid. */
  guestOf(uuid: string): FakeGuest | undefined {
    return this.guests.filter((g) => g.spec.uuid === uuid).at(-1);
  }
}
