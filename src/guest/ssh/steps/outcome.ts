// Turns how a remote command ended into a StepResult or the error that stops the build.
import { IngotError } from '../../../errors/index.js';
import type { ExecResult } from '../exec.js';
import { KILL_AFTER_SEC, TIMEOUT_EXIT } from './command.js';
import type { StepContext } from './context.js';
import type { ProvisionStep, StepResult } from './types.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function tail(lines: string[]): string {
  return lines.length === 0 ? ' (no output)' : `. Last output:\n${lines.map((line) => `  | ${line}`).join('\n')}`;
}

export function stepName(ctx: StepContext, kind: ProvisionStep['kind']): string {
  return `Step ${ctx.index + 1} "${ctx.label}" (${kind})`;
}

const HINT = 'Fix the step in the recipe; run again with --keep to leave the VM up and log in to look.';

/** The StepResult for a command that ran, or throws STEP_FAILED / STEP_TIMEOUT with its last lines. */
export function commandOutcome(ctx: StepContext, kind: ProvisionStep['kind'], result: ExecResult, timeoutSec: number | undefined): StepResult {
  const base = { index: ctx.index, label: ctx.label, kind, exitCode: result.exitCode, durationMs: result.durationMs, lastLines: result.lastLines };
  const fail = (code: 'STEP_FAILED' | 'STEP_TIMEOUT', what: string, summary: string): never => {
    const stepResult: StepResult = { ...base, ok: false, summary };
    throw new IngotError(code, `${stepName(ctx, kind)} ${what}${tail(result.lastLines)}`, {
      hint: HINT,
      details: { step: ctx.index + 1, label: ctx.label, kind, exitCode: result.exitCode, durationMs: result.durationMs, stepResult },
    });
  };
  if (result.timedOut) {
    return fail('STEP_TIMEOUT', `did not end within its ${timeoutSec ?? '?'} s timeout even after the guest's own timeout; ingot signalled it (TERM) and closed its channel after ${seconds(result.durationMs)}`, 'timed out; channel closed');
  }
  // `timeout` exits 124 when it stopped the command with SIGTERM, 137 when it had to SIGKILL it.
  if (timeoutSec !== undefined && result.exitCode !== null && TIMEOUT_EXIT.includes(result.exitCode) && result.durationMs >= timeoutSec * 1000 * 0.9) {
    return fail('STEP_TIMEOUT', `timed out after ${timeoutSec} s: the guest stopped it (SIGTERM, then SIGKILL after ${KILL_AFTER_SEC} s; exit status ${result.exitCode})`, `timed out after ${timeoutSec} s`);
  }
  if (result.dropped) {
    return fail('STEP_FAILED', `lost its SSH connection after ${seconds(result.durationMs)} before the command finished (did it reboot or stop sshd? use a reboot step for that)`, 'connection lost');
  }
  if (result.exitCode !== 0) {
    const status = result.exitCode === null ? `was killed by signal ${result.exitSignal ?? '?'}` : `failed with exit status ${result.exitCode}`;
    return fail('STEP_FAILED', `${status} after ${seconds(result.durationMs)}`, result.exitCode === null ? `signal ${result.exitSignal ?? '?'}` : `exit ${result.exitCode}`);
  }
  return { ...base, ok: true, summary: 'exit 0' };
}
