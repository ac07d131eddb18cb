// The cleanup stack: everything a build creates on a host (or in a container) is registered the
// moment it exists, and a failure, Ctrl-C or the end of the build unwinds it newest first.
import type { Report } from '../cli/events.js';

export interface CleanupEntry {
  /** What the action removes, as a user reads it: `VM "ingot-build-1a2b" (OpaqueRef:…)`. */
  label: string;
  action: () => Promise<void>;
}

export interface CleanupFailure {
  label: string;
  error: unknown;
}

export class CleanupStack {
  readonly #entries: CleanupEntry[] = [];

  /** Registers an undo action; the returned function drops it (the object was kept or consumed). */
  register(label: string, action: () => Promise<void>): () => void {
    const entry = { label, action };
    this.#entries.push(entry);
    return () => {
      const i = this.#entries.indexOf(entry);
      if (i >= 0) this.#entries.splice(i, 1);
    };
  }

  get size(): number {
    return this.#entries.length;
  }

  /** What is registered now, newest first: printed by `--keep` so the user knows what was left. */
  labels(): string[] {
    return this.#entries.map((e) => e.label).reverse();
  }

  /**
   * Runs every action newest first. One failing action never stops the others: a half-cleaned host
   * is worse than a reported leftover. Failures are reported and returned, not thrown.
   */
  async unwind(report: Report): Promise<CleanupFailure[]> {
    const failures: CleanupFailure[] = [];
    while (this.#entries.length > 0) {
      const entry = this.#entries.pop()!;
      try {
        await entry.action();
        report({ event: 'log', level: 'debug', message: `cleanup: removed ${entry.label}` });
      } catch (error) {
        failures.push({ label: entry.label, error });
        report({ event: 'log', level: 'warn', message: `cleanup: could not remove ${entry.label}: ${(error as Error)?.message ?? String(error)}; 'ingot clean' finds it by its ingot tag` });
      }
    }
    return failures;
  }
}
