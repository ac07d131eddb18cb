// Builds the remote command line for a step. The guest enforces the step's timeout itself with
// coreutils `timeout`, because closing an SSH channel does not kill the command behind it.
import { IngotError } from '../../../errors/index.js';

/** POSIX single-quote quoting: safe for any byte string except NUL. */
export function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface CommandSpec {
  /** The program and its arguments (already decided: interpreter + file, or the file itself). */
  argv: string[];
  env?: Record<string, string>;
  sudo: boolean;
  timeoutSec?: number;
}

/** Exit status of coreutils `timeout` when it had to stop the command (124), or kill it after the grace (137). */
export const TIMEOUT_EXIT = [124, 137];
/** How long the command gets after SIGTERM before `timeout` sends SIGKILL. */
export const KILL_AFTER_SEC = 5;

export function buildCommand(spec: CommandSpec, label: string): string {
  const parts: string[] = [];
  if (spec.sudo) parts.push('sudo', '-n');
  if (spec.timeoutSec !== undefined) {
    if (!Number.isFinite(spec.timeoutSec) || spec.timeoutSec <= 0) {
      throw new IngotError('STEP_INVALID', `Step "${label}": timeout must be a positive number of seconds, got ${spec.timeoutSec}.`);
    }
    parts.push('timeout', `--kill-after=${KILL_AFTER_SEC}`, String(spec.timeoutSec));
  }
  const env = Object.entries(spec.env ?? {});
  if (env.length > 0) {
    parts.push('env');
    for (const [name, value] of env) {
      if (!ENV_NAME.test(name)) {
        throw new IngotError('STEP_INVALID', `Step "${label}": environment variable name ${JSON.stringify(name)} is not valid: expected letters, digits and _ (not starting with a digit).`);
      }
      parts.push(`${name}=${shQuote(value)}`);
    }
  }
  parts.push(...spec.argv.map(shQuote));
  return parts.join(' ');
}

/**
 * Makes a step's command stoppable from a second channel: sshd starts each session in its own
 * session and process group (setsid), so the shell's pid is the group to signal. Returns the
 * command and the matching kill command (run as root when the step is, since sudo's children are
 * root's).
 */
export function killable(command: string, pidFile: string, sudo: boolean): { command: string; kill: string } {
  // No `--`: dash's kill builtin rejects it ("Illegal number: -").
  const kill = `kill -TERM -"$(cat ${shQuote(pidFile)})"`;
  return {
    command: `echo $$ > ${shQuote(pidFile)}; ${command}`,
    kill: sudo ? `sudo -n sh -c ${shQuote(kill)}` : kill,
  };
}

/** Runs `command`, then removes `file` whatever happened (as root when it may be root's), keeping the command's exit status. */
export function withCleanup(command: string, files: string | string[], sudo = false): string {
  const list = (Array.isArray(files) ? files : [files]).map(shQuote).join(' ');
  return `${command}; rc=$?; ${sudo ? 'sudo -n ' : ''}rm -rf ${list}; exit $rc`;
}

export function tempPath(prefix: string): string {
  return `/tmp/ingot-${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}
