// Renders events for the three audiences: a person at a terminal, a CI log (plain lines), and
// a program (`--json`, one JSON object per line). Every string passes the redactor first.
import type { Redactor } from '../redact.js';
import { formatBytes } from '../format.js';
import type { IngotEvent, LogLevel, Report } from './events.js';

export { formatBytes };

export type OutputMode = 'tty' | 'plain' | 'json';

export interface Streams {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
}

export interface OutputOptions {
  mode: OutputMode;
  verbosity: 'quiet' | 'normal' | 'verbose';
  redactor: Redactor;
  streams: Streams;
}

/** Chooses the mode: --json wins; plain when stdout is not a TTY or CI is set. */
export function chooseMode(json: boolean, stdoutIsTTY: boolean, env: NodeJS.ProcessEnv): OutputMode {
  if (json) return 'json';
  if (!stdoutIsTTY || (env.CI !== undefined && env.CI !== '' && env.CI !== 'false')) return 'plain';
  return 'tty';
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2 };

export class Output {
  readonly mode: OutputMode;
  readonly #opts: OutputOptions;
  #lastProgress = new Map<string, number>();

  constructor(opts: OutputOptions) {
    this.mode = opts.mode;
    this.#opts = opts;
  }

  /** The callback handed to library code. */
  readonly report: Report = (event) => this.emit(event);

  emit(event: IngotEvent): void {
    const redactor = this.#opts.redactor;
    if (this.mode === 'json') {
      this.#opts.streams.stdout.write(`${JSON.stringify(redactor.value(event))}\n`);
      return;
    }
    const line = this.#render(event);
    if (line === undefined) return;
    const stream = event.event === 'error' || (event.event === 'log' && event.level === 'warn') ? 'stderr' : 'stdout';
    this.#opts.streams[stream].write(`${redactor.text(line)}\n`);
  }

  /** Prints a command's human-readable text (not in --json mode, where `result` carries the data). */
  text(lines: string): void {
    if (this.mode === 'json') return;
    this.#opts.streams.stdout.write(`${this.#opts.redactor.text(lines)}${lines.endsWith('\n') ? '' : '\n'}`);
  }

  log(level: LogLevel, message: string): void {
    this.emit({ event: 'log', level, message });
  }

  #render(event: IngotEvent): string | undefined {
    const { verbosity } = this.#opts;
    switch (event.event) {
      case 'log': {
        const min = verbosity === 'verbose' ? 0 : verbosity === 'quiet' ? 2 : 1;
        if (LEVEL_RANK[event.level] < min) return undefined;
        return event.level === 'warn' ? `warning: ${event.message}` : event.message;
      }
      case 'stage': {
        if (verbosity === 'quiet' && event.status !== 'fail') return undefined;
        const mark = { start: '…', done: '✔', skip: '↷', fail: '✖' }[event.status];
        const title = event.title ?? event.stage;
        return `${mark} ${title}${event.detail ? ` — ${event.detail}` : ''}`;
      }
      case 'progress':
        if (verbosity === 'quiet') return undefined;
        if (this.mode === 'tty') {
          this.#progressBar(event);
          return undefined;
        }
        return this.#progressLine(event);
      case 'result':
        return undefined;
      case 'error':
        return undefined; // the presenter writes errors itself
    }
  }

  // On a terminal, one line redrawn in place on stderr; a newline ends it at 100 %.
  #progressBar(event: Extract<IngotEvent, { event: 'progress' }>): void {
    const stderr = this.#opts.streams.stderr;
    const rate = event.rate === undefined ? '' : ` ${(event.rate / 1e6).toFixed(1)} MB/s`;
    if (event.total === undefined || event.total === 0) {
      stderr.write(`\r\x1b[2K  ${event.stage}: ${event.unit === 'bytes' ? formatBytes(event.done) : event.done}${rate}`);
      return;
    }
    const fraction = Math.min(1, event.done / event.total);
    const width = 30;
    const filled = Math.round(fraction * width);
    const amount = event.unit === 'bytes' ? ` ${formatBytes(event.done)}/${formatBytes(event.total)}` : '';
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    stderr.write(`\r\x1b[2K  ${event.stage} ${bar} ${Math.floor(fraction * 100)}%${amount}${rate}${fraction >= 1 ? '\n' : ''}`);
  }

  // Plain logs get at most one progress line per 10 % so CI logs stay readable.
  #progressLine(event: Extract<IngotEvent, { event: 'progress' }>): string | undefined {
    if (event.total === undefined || event.total === 0) return undefined;
    const pct = Math.floor((event.done / event.total) * 100);
    const bucket = Math.floor(pct / 10);
    if (this.#lastProgress.get(event.stage) === bucket && pct < 100) return undefined;
    this.#lastProgress.set(event.stage, bucket);
    const rate = event.rate === undefined ? '' : ` ${(event.rate / 1e6).toFixed(1)} MB/s`;
    const amount = event.unit === 'bytes' ? `${formatBytes(event.done)}/${formatBytes(event.total)}` : `${event.done}/${event.total}`;
    return `  ${event.stage}: ${pct}% (${amount})${rate}`;
  }
}
