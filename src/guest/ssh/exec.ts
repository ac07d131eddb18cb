// Runs one command in the guest over an SSH exec channel: output streamed line by line through
// the Report callback, a deadline, and Ctrl-C. On a deadline or an abort the command is signalled
// (RFC 4254 §6.9 "signal" request; OpenSSH sends it to the session's process group), the caller's
// kill command runs on a second channel, and the channel is closed: sshd does not kill a command
// just because its channel closed.
import type { ClientChannel } from 'ssh2';
import type { LogLevel, Report } from '../../cli/events.js';
import { IngotError } from '../../errors/index.js';
import { interrupted } from './connect.js';
import { LastLines, LineSplitter } from './lines.js';
import type { GuestSession } from './session.js';

export interface ExecOptions {
  /** Prefix for streamed lines (`[label] line`); without it nothing is streamed. */
  label?: string;
  report?: Report;
  level?: LogLevel;
  signal?: AbortSignal;
  /** Client-side deadline; the channel is signalled and closed when it passes. */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed (EOF); such a command can no longer be signalled, only cut off. Without it, stdin is /dev/null. */
  stdin?: string | Buffer;
  /** How many output lines to keep (default 20). */
  keepLines?: number;
  /** Keep the whole stdout (probe JSON, file contents); off for provisioning output. */
  collectStdout?: boolean;
  /**
   * Run on a second channel when the command is stopped (timeout, Ctrl-C). The signal request
   * alone is not enough: sshd refuses it for root logins ("session signalling requires privilege
   * separation", seen with OpenSSH 9.2) and older servers ignore it.
   */
  killCommand?: string;
}

/** Best effort, bounded: resolves when the kill command ended or after KILL_WAIT_MS; the step reports the stop either way. */
function sendKill(session: GuestSession, command: string): Promise<void> {
  if (!session.isOpen()) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, KILL_WAIT_MS);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    try {
      session.client.exec(command, (error, stream) => {
        if (error) return done(); // the connection is going away; nothing left to stop through it
        stream.resume();
        stream.stderr.resume();
        stream.on('close', done);
        stream.end();
      });
    } catch {
      done(); // ssh2 throws "Not connected" when the link just went: nothing left to stop through it
    }
  });
}

export interface ExecResult {
  /** null when the command ended without an exit status (killed by a signal, or the link dropped). */
  exitCode: number | null;
  exitSignal: string | null;
  /** The connection went away before the command reported how it ended. */
  dropped: boolean;
  timedOut: boolean;
  durationMs: number;
  lastLines: string[];
  stdout: string;
}

const CLOSE_GRACE_MS = 2_000;
const KILL_WAIT_MS = 10_000;

export function execInGuest(session: GuestSession, command: string, opts: ExecOptions = {}): Promise<ExecResult> {
  const started = performance.now();
  if (opts.signal?.aborted) return Promise.reject(interrupted(`running a command in ${session.target}`));
  return new Promise<ExecResult>((resolve, reject) => {
    const last = new LastLines(opts.keepLines ?? 20);
    const stdoutChunks: Buffer[] = [];
    const onLine = (line: string): void => {
      last.add(line);
      if (opts.label !== undefined) opts.report?.({ event: 'log', level: opts.level ?? 'info', message: `[${opts.label}] ${line}` });
    };
    const out = new LineSplitter(onLine);
    const err = new LineSplitter(onLine);
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let sawExit = false;
    let timedOut = false;
    let aborted = false;
    let channel: ClientChannel | undefined;
    let timer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let done = false;

    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      out.flush();
      err.flush();
      if (aborted) {
        reject(interrupted(`running a command in ${session.target} (it was signalled and its channel closed)`));
        return;
      }
      resolve({
        exitCode,
        exitSignal,
        dropped: !sawExit && !timedOut,
        timedOut,
        durationMs: Math.round(performance.now() - started),
        lastLines: last.lines,
        stdout: Buffer.concat(stdoutChunks).toString('utf8'),
      });
    };
    let killed: Promise<void> = Promise.resolve();
    const stop = (): void => {
      if (opts.killCommand !== undefined) killed = sendKill(session, opts.killCommand);
      if (channel === undefined) return void killed.then(finish);
      // Ask the guest to end the command, then stop listening; do not wait for ever.
      try {
        channel.signal('TERM');
      } catch {
        // The channel may already be closing; closing it below is what matters.
      }
      channel.close();
      graceTimer = setTimeout(() => void killed.then(finish), CLOSE_GRACE_MS);
    };
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, opts.timeoutMs);
    }

    // Without input, the command's stdin is /dev/null in the guest and our side of the channel
    // stays open: ssh2 only sends a signal request on a channel still writable, so ending it
    // (EOF) would make Ctrl-C and timeouts unable to signal the command.
    const line = opts.stdin === undefined ? `{\n${command}\n} </dev/null` : command;
    // ssh2 throws instead of calling back when the connection is already gone.
    const onChannel = (error: Error | undefined, stream: ClientChannel): void => {
      if (error) {
        done = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        reject(new IngotError('GUEST_COMMAND_FAILED', `Could not start a command in ${session.target}: ${error.message}.`, {
          cause: error,
          hint: session.isOpen() ? 'The guest refused a new session channel; its sshd may be restarting.' : 'The SSH connection to the guest is gone.',
        }));
        return;
      }
      channel = stream;
      if (aborted || timedOut) stop();
      stream.on('data', (chunk: Buffer) => {
        if (opts.collectStdout === true) stdoutChunks.push(chunk);
        out.push(chunk);
      });
      stream.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      stream.on('exit', (code: number | null, signal?: string) => {
        sawExit = true;
        exitCode = typeof code === 'number' ? code : null;
        exitSignal = signal ?? null;
      });
      stream.on('close', () => void killed.then(finish));
      if (opts.stdin !== undefined) stream.end(opts.stdin);
    };
    try {
      session.client.exec(line, onChannel);
    } catch (error) {
      onChannel(error instanceof Error ? error : new Error(String(error)), undefined as never);
    }
  });
}
