// The one error presenter: every failure of every command leaves through here.
import { EXIT, isIngotError, type ExitStatus } from '../errors/index.js';
import { ingotVersion } from '../version.js';
import type { Output, Streams } from './output.js';
import type { Redactor } from '../redact.js';

export interface PresentOptions {
  out: Output;
  streams: Streams;
  redactor: Redactor;
  verbose: boolean;
}

export function presentError(error: unknown, { out, streams, redactor, verbose }: PresentOptions): ExitStatus {
  if (isIngotError(error)) {
    const exit = error.exitStatus;
    if (out.mode === 'json') {
      out.emit({ event: 'error', code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}), exit, ...(error.details ? { details: error.details } : {}) } as never);
      return exit;
    }
    const lines = [`error[${error.code}]: ${error.message}`];
    if (error.hint) lines.push(`  hint: ${error.hint}`);
    if (verbose) lines.push(...causeChain(error.cause).map((line) => `  cause: ${line}`));
    streams.stderr.write(`${redactor.text(lines.join('\n'))}\n`);
    return exit;
  }
  // Anything else is a bug in ingot: say so, with what a bug report needs.
  const err = error instanceof Error ? error : new Error(String(error));
  const message = `this is a bug in ingot: ${err.message}`;
  if (out.mode === 'json') {
    out.emit({ event: 'error', code: 'INTERNAL', message, hint: 'Please report it with the output of --verbose.', exit: EXIT.internal });
    return EXIT.internal;
  }
  const lines = [
    `error[INTERNAL]: ${message}`,
    `  ingot ${ingotVersion()}, node ${process.version}, ${process.platform}-${process.arch}`,
    '  Please report it with this output.',
    ...(err.stack ?? '').split('\n').slice(1).map((line) => `  ${line.trim()}`),
    ...causeChain(err.cause).map((line) => `  cause: ${line}`),
  ];
  streams.stderr.write(`${redactor.text(lines.join('\n'))}\n`);
  return EXIT.internal;
}

/** The fields a user acts on, for one failure among several (each build of `ingot build A B`). */
export function errorFields(error: unknown): { code: string; message: string; hint?: string; exit: ExitStatus } {
  if (isIngotError(error)) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}), exit: error.exitStatus };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `this is a bug in ingot: ${message}`, hint: 'Please report it with the output of --verbose.', exit: EXIT.internal };
}

function causeChain(cause: unknown): string[] {
  const lines: string[] = [];
  let current = cause;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth += 1) {
    lines.push(current instanceof Error ? `${current.name}: ${current.message}` : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines;
}
