// Renders events for the three audiences: a person at a terminal, a CI log (plain lines), and
// a program (`--json`, one JSON object per line). Every string passes the redactor first. On a
// terminal, `ingot build` attaches a listr2 view (task-view.ts) that takes its stage events.
import type { Redactor } from '../redact.js';
import { formatBytes } from '../format.js';
import type { BuildTag, IngotEvent, LogLevel, Report } from './events.js';
import { progressComplete, progressText } from './progress.js';
import type { TaskView } from './task-view.js';

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
  #prefixes = new Map<string, string>();
  #view: TaskView | undefined;

  constructor(opts: OutputOptions) {
    this.mode = opts.mode;
    this.#opts = opts;
  }

  get verbosity(): OutputOptions['verbosity'] {
    return this.#opts.verbosity;
  }

  /** The callback handed to library code. */
  readonly report: Report = (event) => this.emit(event);

  /** A Report for one of several builds: its events carry the build, and text lines start with `[label]`. */
  forBuild(build: BuildTag, label?: string): Report {
    if (label !== undefined) this.#prefixes.set(build.id, label);
    return (event) => this.emit({ ...event, build });
  }

  /** On a terminal, stage/progress/log events go to the listr2 view while it runs. */
  attach(view: TaskView | undefined): void {
    this.#view = view;
  }

  emit(event: IngotEvent): void {
    const redactor = this.#opts.redactor;
    if (this.mode === 'json') {
      this.#opts.streams.stdout.write(`${JSON.stringify(redactor.value(event))}\n`);
      return;
    }
    if (this.#view?.handle(event)) return;
    const line = this.#render(event);
    if (line === undefined) return;
    const stream = event.event === 'error' || (event.event === 'log' && event.level === 'warn') ? 'stderr' : 'stdout';
    this.#opts.streams[stream].write(`${redactor.text(this.#prefix(event, line))}\n`);
  }

  /** Prints a command's human-readable text (not in --json mode, where `result` carries the data). */
  text(lines: string): void {
    if (this.mode === 'json') return;
    this.#opts.streams.stdout.write(`${this.#opts.redactor.text(lines)}${lines.endsWith('\n') ? '' : '\n'}`);
  }

  /** One build's error among several: an `error` event with its build in --json, else prefixed lines on stderr. */
  buildError(build: BuildTag, error: { code: string; message: string; hint?: string; exit: number }): void {
    if (this.mode === 'json') {
      this.emit({ event: 'error', ...error, build });
      return;
    }
    const lines = [`error[${error.code}]: ${error.message}`, ...(error.hint ? [`  hint: ${error.hint}`] : [])];
    this.#opts.streams.stderr.write(`${this.#opts.redactor.text(lines.map((l) => this.#prefix({ event: 'log', level: 'warn', message: '', build }, l)).join('\n'))}\n`);
  }

  log(level: LogLevel, message: string): void {
    this.emit({ event: 'log', level, message });
  }

  #prefix(event: IngotEvent, line: string): string {
    const label = event.build === undefined ? undefined : this.#prefixes.get(event.build.id);
    return label === undefined ? line : `[${label}] ${line}`;
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
        if (this.mode === 'tty' && this.#prefixes.size === 0) {
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
    this.#opts.streams.stderr.write(`\r\x1b[2K  ${progressText(event)}${progressComplete(event) ? '\n' : ''}`);
  }

  // Plain logs get at most one progress line per 10 % (per build) so CI logs stay readable.
  #progressLine(event: Extract<IngotEvent, { event: 'progress' }>): string | undefined {
    if (event.total === undefined || event.total === 0) return undefined;
    const pct = Math.floor((event.done / event.total) * 100);
    const bucket = Math.floor(pct / 10);
    const key = `${event.build?.id ?? ''}/${event.stage}`;
    if (this.#lastProgress.get(key) === bucket && pct < 100) return undefined;
    this.#lastProgress.set(key, bucket);
    const rate = event.rate === undefined ? '' : ` ${(event.rate / 1e6).toFixed(1)} MB/s`;
    const amount = event.unit === 'bytes' ? `${formatBytes(event.done)}/${formatBytes(event.total)}` : `${event.done}/${event.total}`;
    return `  ${event.stage}: ${pct}% (${amount})${rate}`;
  }
}
