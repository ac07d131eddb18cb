// One running QEMU process as a GuestHandle: agent readiness, ACPI power button, hard kill, and
// why it exited (guest poweroff, a kill we asked for, or anything else = crash).
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResultPromise } from 'execa';
import { IngotError } from '../../errors/index.js';
import type { GuestHandle, GuestSpec } from '../hypervisor.js';
import { pingAgent } from './agent.js';
import type { StatePaths } from './args.js';
import type { Qmp } from './qmp.js';

export type ExitReason = 'poweroff' | 'crash' | 'killed';

/** Per-probe deadline for the guest agent: the socket accepts even while nothing answers. */
export const AGENT_PROBE_MS = 5_000;
const AGENT_RETRY_MS = 1_000;
/** How long `kill()` lets QMP `quit` work before SIGKILL. */
const QUIT_GRACE_MS = 5_000;

/** The last `lines` lines of a log file, for error messages; '' when it cannot be read. */
export async function tail(path: string, lines = 15): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export class QemuGuest implements GuestHandle {
  readonly spec: GuestSpec;
  readonly paths: StatePaths;
  readonly #process: ResultPromise;
  readonly #qmp: Qmp;
  readonly #signal: AbortSignal | undefined;
  #listeners: ((reason: ExitReason) => void)[] = [];
  #exitReason: ExitReason | undefined;
  #killRequested = false;
  #guestShutdown = false;
  #agentReady: Promise<void> | undefined;
  /** Settles with the exit reason once QEMU has exited and its QMP socket has drained. */
  readonly exited: Promise<ExitReason>;

  constructor(spec: GuestSpec, paths: StatePaths, process: ResultPromise, qmp: Qmp, signal: AbortSignal | undefined) {
    this.spec = spec;
    this.paths = paths;
    this.#process = process;
    this.#qmp = qmp;
    this.#signal = signal;
    // QMP SHUTDOWN {guest: true} is sent when the guest itself powered off (ACPI or poweroff),
    // {guest: false} for a host-side quit or signal (qapi/run-state.json, SHUTDOWN event).
    qmp.onEvent((e) => {
      if (e.event === 'SHUTDOWN' && e.data.guest === true) this.#guestShutdown = true;
    });
    this.exited = this.#watchExit();
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  async #watchExit(): Promise<ExitReason> {
    await this.#process;
    // The SHUTDOWN event is written before QEMU exits, but Node may see the exit first: let the
    // socket drain (it closes when QEMU is gone), bounded in case it was never connected.
    await Promise.race([this.#qmp.closed, sleep(2_000)]);
    this.#qmp.close();
    const reason: ExitReason = this.#killRequested || this.#signal?.aborted ? 'killed' : this.#guestShutdown ? 'poweroff' : 'crash';
    this.#exitReason = reason;
    for (const listener of this.#listeners) listener(reason);
    return reason;
  }

  onExit(listener: (reason: ExitReason) => void): void {
    if (this.#exitReason !== undefined) listener(this.#exitReason);
    else this.#listeners.push(listener);
  }

  agentReady(): Promise<void> {
    this.#agentReady ??= this.#waitForAgent();
    return this.#agentReady;
  }

  async #waitForAgent(): Promise<void> {
    let gone = false;
    void this.exited.then(() => (gone = true));
    while (!gone) {
      if (await pingAgent(this.paths.qga, AGENT_PROBE_MS)) {
        if (!gone) return;
        break;
      }
      await Promise.race([sleep(AGENT_RETRY_MS), this.exited]);
    }
    const reason = await this.exited;
    throw new IngotError('GUEST_DIED', `VM ${this.spec.name} stopped (${reason}) before its guest agent answered.`, {
      hint: `The guest's serial console is in ${this.paths.console}; QEMU's own messages are in ${this.paths.log}.`,
      details: { uuid: this.spec.uuid, reason, console: await tail(this.paths.console) },
    });
  }

  /** Presses the ACPI power button; resolves once QEMU took the press, not when the guest is off (onExit says that). */
  async acpiShutdown(): Promise<void> {
    try {
      await this.#qmp.execute('system_powerdown');
    } catch (cause) {
      throw new IngotError('GUEST_DIED', `VM ${this.spec.name}: the ACPI power button could not be pressed (QEMU is not running).`, {
        hint: 'The VM has already stopped; its state should be Halted.',
        cause,
        details: { uuid: this.spec.uuid },
      });
    }
  }

  /** Stops QEMU at once (QMP quit, SIGKILL after a grace period); resolves when it has exited. */
  async kill(): Promise<void> {
    if (this.#exitReason === undefined) this.#killRequested = true;
    // quit may fail if QEMU is already exiting; the SIGKILL below covers every case.
    await this.#qmp.execute('quit', undefined, QUIT_GRACE_MS).catch(() => undefined);
    const done = await Promise.race([this.exited.then(() => true), sleep(QUIT_GRACE_MS).then(() => false)]);
    if (!done) this.#process.kill('SIGKILL');
    await this.exited;
  }
}
