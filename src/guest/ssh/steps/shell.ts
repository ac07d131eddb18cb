// The `shell` (inline script) and `script` (local file) steps. Both upload the script to a
// private temp file and run it from there, so the script's own stdin is free (a script fed on
// stdin would have its remaining lines eaten by the first command that reads stdin).
import { readFile } from 'node:fs/promises';
import { IngotError } from '../../../errors/index.js';
import { execInGuest } from '../exec.js';
import { openSftp, writeRemoteFile } from '../sftp.js';
import { buildCommand, KILL_AFTER_SEC, killable, tempPath, withCleanup } from './command.js';
import type { StepContext } from './context.js';
import { commandOutcome } from './outcome.js';
import type { ScriptStep, ShellStep, StepResult } from './types.js';

/** Client-side backstop after the guest's own timeout should have ended the command. */
const BACKSTOP_SEC = KILL_AFTER_SEC + 10;

async function runFile(ctx: StepContext, step: ShellStep | ScriptStep, content: string, argv: (file: string) => string[]): Promise<StepResult> {
  const session = ctx.link.session;
  const file = tempPath('step');
  // Built first: a bad env name or timeout is refused before anything reaches the guest.
  const sudo = step.sudo ?? true;
  const stoppable = killable(buildCommand({ argv: argv(file), env: step.env, sudo, timeoutSec: step.timeoutSec }, ctx.label), `${file}.pid`, sudo);
  const command = withCleanup(stoppable.command, [file, `${file}.pid`]);
  const sftp = await openSftp(session);
  try {
    await writeRemoteFile(sftp, file, content, 0o700);
  } finally {
    sftp.end();
  }
  const result = await execInGuest(session, command, {
    label: ctx.label,
    report: ctx.report,
    signal: ctx.signal,
    keepLines: ctx.keepLines,
    timeoutMs: step.timeoutSec === undefined ? undefined : (step.timeoutSec + BACKSTOP_SEC) * 1000,
    killCommand: stoppable.kill,
  });
  return commandOutcome(ctx, step.kind, result, step.timeoutSec);
}

export function runShell(ctx: StepContext, step: ShellStep): Promise<StepResult> {
  const interpreter = step.interpreter ?? 'sh';
  if (interpreter !== 'sh' && interpreter !== 'bash') {
    throw new IngotError('STEP_INVALID', `Step "${ctx.label}": interpreter must be one of sh, bash; got ${JSON.stringify(interpreter)}.`);
  }
  const script = step.run.endsWith('\n') ? step.run : `${step.run}\n`;
  return runFile(ctx, step, script, (file) => (interpreter === 'bash' ? ['bash', '-euo', 'pipefail', file] : ['sh', '-eu', file]));
}

export async function runScript(ctx: StepContext, step: ScriptStep): Promise<StepResult> {
  let content: string;
  try {
    content = await readFile(step.path, 'utf8');
  } catch (error) {
    throw new IngotError('STEP_INVALID', `Step "${ctx.label}": cannot read the script ${step.path}: ${(error as Error).message}.`, {
      cause: error,
      hint: 'Script paths are relative to the recipe file; check the name.',
    });
  }
  const args = step.args ?? [];
  // A script with a `#!` line chooses its own interpreter; one without gets `sh -eu`.
  return runFile(ctx, step, content, (file) => (content.startsWith('#!') ? [file, ...args] : ['sh', '-eu', file, ...args]));
}
