// The one error type library code throws; src/cli/present.ts turns it into text or JSON.
import { ERROR_CODES, type ErrorCode, type ExitStatus } from './codes.js';

export interface IngotErrorOptions {
  /** What the user can do about it, in one or two sentences. */
  hint?: string;
  /** Whatever caused this error; always chained so --verbose can show it. */
  cause?: unknown;
  /** Structured facts a caller or `--json` consumer acts on (never secrets). */
  details?: Record<string, unknown>;
}

export class IngotError extends Error {
  override name = 'IngotError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: IngotErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  get exitStatus(): ExitStatus {
    return ERROR_CODES[this.code];
  }
}

export function isIngotError(value: unknown): value is IngotError {
  return value instanceof IngotError;
}

/** Signals that a command is declared but not built yet: an honest refusal, never a fake success. */
export function notImplemented(command: string, issue: string): IngotError {
  return new IngotError('NOT_IMPLEMENTED', `ingot ${command} is not built yet.`, {
    hint: `It is tracked in ${issue}; until then nothing is done and nothing is touched.`,
  });
}
