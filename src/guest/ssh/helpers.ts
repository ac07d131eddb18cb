// Small guest operations the readiness and shutdown stages need: run a command and get its
// output, run a probe script and parse its JSON, read a file, read the boot id, power off.
import { IngotError } from '../../errors/index.js';
import { execInGuest, type ExecOptions, type ExecResult } from './exec.js';
import type { GuestSession } from './session.js';
import { shQuote } from './steps/command.js';

export interface RunOptions extends Pick<ExecOptions, 'signal' | 'report' | 'label' | 'stdin' | 'timeoutMs'> {
  /** Run as root through `sudo -n` (default false here: probes read; steps decide for themselves). */
  sudo?: boolean;
  /** Return a non-zero exit instead of throwing. */
  allowFailure?: boolean;
}

/** Runs `command` (a shell command line) and returns its whole stdout; throws GUEST_COMMAND_FAILED on a non-zero exit. */
export async function runInGuest(session: GuestSession, command: string, opts: RunOptions = {}): Promise<ExecResult> {
  const line = opts.sudo === true ? `sudo -n sh -c ${shQuote(command)}` : command;
  const result = await execInGuest(session, line, { ...opts, collectStdout: true, level: 'debug' });
  if (opts.allowFailure !== true && result.exitCode !== 0) {
    const how = result.timedOut ? 'timed out' : result.dropped ? 'lost its connection' : result.exitCode === null ? `was killed (${result.exitSignal ?? 'signal'})` : `exited ${result.exitCode}`;
    throw new IngotError('GUEST_COMMAND_FAILED', `\`${command.split('\n')[0]}\` in ${session.target} ${how}:\n${result.lastLines.map((l) => `  | ${l}`).join('\n')}`, {
      hint: 'Run the command by hand in the guest (--keep leaves it up) to see why.',
      details: { target: session.target, exitCode: result.exitCode, lastLines: result.lastLines },
    });
  }
  return result;
}

/** Runs a probe script (fed on stdin to `sh -s`) and parses the JSON it prints. */
export async function runProbe<T = unknown>(session: GuestSession, script: string, opts: Omit<RunOptions, 'stdin'> = {}): Promise<T> {
  const result = await runInGuest(session, 'sh -s', { ...opts, stdin: script });
  try {
    return JSON.parse(result.stdout) as T;
  } catch (error) {
    throw new IngotError('GUEST_COMMAND_FAILED', `The probe in ${session.target} did not print JSON: ${(error as Error).message}; it printed:\n${result.stdout.slice(0, 400)}`, {
      cause: error,
      hint: 'The probe script must print exactly one JSON document on stdout (diagnostics go to stderr).',
    });
  }
}

export async function readFileFromGuest(session: GuestSession, path: string, opts: Omit<RunOptions, 'stdin'> = {}): Promise<string> {
  return (await runInGuest(session, `cat -- ${shQuote(path)}`, opts)).stdout;
}

/** The kernel's per-boot random id: it changes on every boot, so it proves a reboot happened. */
export async function bootId(session: GuestSession, signal?: AbortSignal): Promise<string> {
  return (await readFileFromGuest(session, '/proc/sys/kernel/random/boot_id', { signal, timeoutMs: 30_000 })).trim();
}

/** Waits until the connection is gone, or `ms` passes; true when it went. */
export function waitForDrop(session: GuestSession, ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), ms);
    const onAbort = (): void => finish(false);
    function finish(dropped: boolean): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(dropped);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    void session.closed.then(() => finish(true));
  });
}

/**
 * Issues a power-off (or reboot) from inside. The connection dropping is the expected answer:
 * the command often never reports an exit status because sshd is stopped first.
 */
export async function issuePowerAction(session: GuestSession, action: 'poweroff' | 'reboot', opts: { signal?: AbortSignal; dropTimeoutMs?: number } = {}): Promise<void> {
  // `systemctl` on systemd guests (it queues the job and returns); the classic command otherwise.
  // Either may or may not report its exit status before sshd is stopped: both are fine.
  const command = `if command -v systemctl >/dev/null 2>&1; then sudo -n systemctl ${action}; else sudo -n ${action}; fi`;
  const result = await execInGuest(session, command, { signal: opts.signal, timeoutMs: 30_000, collectStdout: true });
  if (!result.dropped && result.exitCode !== 0) {
    throw new IngotError(action === 'reboot' ? 'GUEST_REBOOT_FAILED' : 'GUEST_COMMAND_FAILED', `\`sudo ${action}\` in ${session.target} failed (exit ${result.exitCode ?? result.exitSignal}):\n${result.lastLines.map((l) => `  | ${l}`).join('\n')}`, {
      hint: 'The build user needs passwordless sudo (ingot seeds it through cloud-init).',
    });
  }
  const dropped = await waitForDrop(session, opts.dropTimeoutMs ?? 120_000, opts.signal);
  if (opts.signal?.aborted) throw new IngotError('INTERRUPTED', `Interrupted while waiting for ${session.target} to ${action}.`);
  if (!dropped) {
    session.close();
    throw new IngotError(action === 'reboot' ? 'GUEST_REBOOT_FAILED' : 'GUEST_COMMAND_FAILED', `${session.target} accepted \`${action}\` but its SSH connection was still up ${Math.round((opts.dropTimeoutMs ?? 120_000) / 1000)} s later.`, {
      hint: 'A unit may be blocking shutdown; the serial console log shows what systemd waits for. The host side falls back to a clean, then a hard shutdown.',
    });
  }
}

/** Powers the guest off from inside; success is the connection going away. */
export function poweroffGuest(session: GuestSession, opts: { signal?: AbortSignal; dropTimeoutMs?: number } = {}): Promise<void> {
  return issuePowerAction(session, 'poweroff', opts);
}
