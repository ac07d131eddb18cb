// Waits until the guest is really ready: a login works AND cloud-init has finished. The first
// successful login is not "ready": cloud-init restarts sshd right after it first starts, and a
// QEMU port forward accepts TCP before the guest is up (lab-notes.md §2 "Readiness gotchas").
// So: bounded attempts with a hard per-attempt deadline, backoff, retry on refused/timeout/reset,
// stop at once on authentication or host key failures, and `cloud-init status --wait`.
import { IngotError } from '../../errors/index.js';
import { describeKind, isRetryable, kindOf, type AttemptKind } from './attempt.js';
import { connectGuest, describeEndpoint, interrupted, type ConnectOptions } from './connect.js';
import { execInGuest } from './exec.js';
import type { GuestSession } from './session.js';

export interface WaitOptions extends ConnectOptions {
  /** Overall deadline for reaching a ready guest (default 10 min: TCG boots take ~1 min, lab-notes.md §2). */
  deadlineMs?: number;
  /** Pause after a failed attempt, growing ×1.5 up to maxMs (defaults 1 s and 10 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** `wait` (default): run `cloud-init status --wait --long`; `skip`: a login is enough (guests without cloud-init). */
  cloudInit?: 'wait' | 'skip';
  /** Where the guest's serial console is logged, named in the error so the user can look. */
  consoleLogPath?: string;
}

interface Tally {
  count: number;
  last: string;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(interrupted('waiting for the guest'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function debugHint(opts: WaitOptions): string {
  const console = opts.consoleLogPath !== undefined ? `the guest's serial console log (${opts.consoleLogPath}) shows its boot and cloud-init` : "the guest's console shows its boot and cloud-init";
  return `To debug: ${console}; run again with --keep to leave the VM up and try \`ssh -p ${opts.port ?? 22} ${opts.username}@${opts.host}\` with the build key.`;
}

function summary(tallies: Map<AttemptKind | 'cloud-init', Tally>): string {
  return [...tallies.entries()]
    .map(([kind, t]) => `${t.count}× ${kind === 'cloud-init' ? 'logged in, cloud-init not finished' : describeKind(kind)} (last: ${t.last})`)
    .join('; ');
}

/** Resolves with a logged-in session on a guest whose cloud-init is done; the caller closes it. */
export async function waitForGuest(opts: WaitOptions): Promise<GuestSession> {
  const started = Date.now();
  const deadline = started + (opts.deadlineMs ?? 600_000);
  const attemptMs = opts.timeouts?.attemptMs ?? 20_000;
  let pause = opts.backoff?.initialMs ?? 1_000;
  const maxPause = opts.backoff?.maxMs ?? 10_000;
  const tallies = new Map<AttemptKind | 'cloud-init', Tally>();
  const target = describeEndpoint(opts);
  let attempts = 0;
  const note = (kind: AttemptKind | 'cloud-init', message: string): void => {
    const tally = tallies.get(kind) ?? { count: 0, last: '' };
    tally.count += 1;
    tally.last = message;
    tallies.set(kind, tally);
    opts.report?.({ event: 'log', level: 'debug', message: `ssh: attempt ${attempts} to ${target}: ${message}` });
  };

  while (Date.now() < deadline) {
    if (opts.signal?.aborted) throw interrupted(`waiting for ${target}`);
    attempts += 1;
    const remaining = deadline - Date.now();
    let session: GuestSession | undefined;
    try {
      session = await connectGuest({ ...opts, timeouts: { ...opts.timeouts, attemptMs: Math.max(1, Math.min(attemptMs, remaining)) } });
    } catch (error) {
      const kind = kindOf(error);
      if (kind === undefined) throw error; // interrupted, unusable key or pin: nothing to retry
      if (!isRetryable(kind)) {
        const err = error as IngotError;
        throw new IngotError(err.code, err.message, { cause: err, hint: `${err.hint ?? ''} ${debugHint(opts)}`.trim(), details: { ...err.details, attempts } });
      }
      note(kind, error instanceof Error ? error.message : String(error));
    }
    if (session !== undefined) {
      if (opts.cloudInit === 'skip') return session;
      let result;
      try {
        result = await execInGuest(session, 'cloud-init status --wait --long', {
          signal: opts.signal,
          timeoutMs: Math.max(1, deadline - Date.now()),
          report: opts.report,
          label: 'cloud-init',
          level: 'debug',
        });
      } catch (error) {
        // The login worked but the link died before the command could start: cloud-init restarts
        // sshd right after its first start (lab-notes.md §2). Seen on the lab host: "No response from server".
        // exec.ts raises GUEST_COMMAND_FAILED only when no channel could be opened: the link is unusable.
        if (opts.signal?.aborted || (error as IngotError).code !== 'GUEST_COMMAND_FAILED') throw error;
        note('reset', `connection dropped before \`cloud-init status --wait\` started (${(error as Error).message})`);
        session.close();
        await sleep(Math.min(pause, Math.max(0, deadline - Date.now())), opts.signal);
        pause = Math.min(maxPause, pause * 1.5);
        continue;
      }
      if (result.exitCode === 0) return session;
      // cloud-init ≥ 23.4 exits 2 for "done, with recoverable errors" (deprecations, warnings).
      if (result.exitCode === 2) {
        opts.report?.({ event: 'log', level: 'warn', message: `cloud-init on ${target} finished with recoverable errors: ${result.lastLines.slice(-3).join(' | ')}` });
        return session;
      }
      if (result.exitCode === 127) {
        opts.report?.({ event: 'log', level: 'warn', message: `${target} has no cloud-init command; treating a working login as ready.` });
        return session;
      }
      session.close();
      if (result.exitCode !== null) {
        throw new IngotError('GUEST_NOT_READY', `cloud-init on ${target} failed (\`cloud-init status --wait --long\` exited ${result.exitCode}):\n${result.lastLines.map((l) => `  ${l}`).join('\n')}`, {
          hint: `The seed's user-data or a cloud-init module failed; \`sudo cloud-init status --long\` and /var/log/cloud-init.log in the guest say which. ${debugHint(opts)}`,
          details: { target, exitCode: result.exitCode, lastLines: result.lastLines },
        });
      }
      // The connection dropped during the wait: sshd restarting, or the guest rebooting. Try again.
      note(result.timedOut ? 'cloud-init' : 'reset', result.timedOut ? 'deadline reached while cloud-init was still running' : `connection dropped during \`cloud-init status --wait\`${session.lastError() ? ` (${session.lastError()?.message})` : ''}`);
    }
    const wait = Math.min(pause, Math.max(0, deadline - Date.now()));
    pause = Math.min(maxPause, pause * 1.5);
    if (wait > 0) await sleep(wait, opts.signal);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  throw new IngotError('GUEST_UNREACHABLE', `${target} was not ready after ${seconds} s and ${attempts} attempt(s): ${summary(tallies) || 'no attempt finished'}.`, {
    hint: debugHint(opts),
    details: { target, attempts, seen: Object.fromEntries([...tallies].map(([k, t]) => [k, t.count])) },
  });
}
