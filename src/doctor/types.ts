// One finding of `ingot doctor`: what was checked, what was found, and what to do about it.

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  /** Stable id a script can test for, e.g. `xapi.tls`, `qemu-img`. */
  id: string;
  status: CheckStatus;
  /** What was found, in one line a user can compare with their machine. */
  found: string;
  /** What to do; null when nothing needs doing. */
  fix: string | null;
}

export function ok(id: string, found: string): Check {
  return { id, status: 'ok', found, fix: null };
}

export function warn(id: string, found: string, fix: string): Check {
  return { id, status: 'warn', found, fix };
}

export function fail(id: string, found: string, fix: string): Check {
  return { id, status: 'fail', found, fix };
}

/** A failed check from an IngotError: its message is what was found, its hint the fix. */
export function fromError(id: string, error: unknown, fallbackFix: string): Check {
  const e = error as { message?: string; hint?: string };
  return fail(id, e?.message ?? String(error), e?.hint ?? fallbackFix);
}
