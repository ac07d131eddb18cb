// Runs a build's stages in order, reporting each one, and unwinds the cleanup stack when a stage
// fails or the run is aborted (unless the user asked to keep what was created).
import type { Report } from '../cli/events.js';
import { IngotError } from '../errors/index.js';
import type { CleanupStack } from './cleanup.js';

export interface Stage<C> {
  id: string;
  title: string;
  /** Returns a short detail for the done line, e.g. "VDI 10 GiB on Local storage". */
  run(ctx: C, signal: AbortSignal): Promise<string | void>;
  /** A reason to skip this stage for this build (e.g. "no push section"), or undefined to run it. */
  skip?(ctx: C): string | undefined;
}

export interface RunOptions {
  report: Report;
  signal: AbortSignal;
  cleanup: CleanupStack;
  /** --keep: leave what was created for debugging instead of removing it. */
  keep: boolean;
}

export interface StageTiming {
  id: string;
  status: 'done' | 'skip' | 'fail';
  seconds: number;
  detail?: string;
}

export async function runStages<C>(stages: ReadonlyArray<Stage<C>>, ctx: C, opts: RunOptions): Promise<StageTiming[]> {
  const timings: StageTiming[] = [];
  const { report, signal, cleanup } = opts;
  try {
    for (const stage of stages) {
      if (signal.aborted) throw abortError(signal);
      const skipped = stage.skip?.(ctx);
      if (skipped !== undefined) {
        report({ event: 'stage', stage: stage.id, status: 'skip', title: stage.title, detail: skipped });
        timings.push({ id: stage.id, status: 'skip', seconds: 0, detail: skipped });
        continue;
      }
      report({ event: 'stage', stage: stage.id, status: 'start', title: stage.title });
      const started = performance.now();
      try {
        const detail = (await stage.run(ctx, signal)) ?? undefined;
        const seconds = round((performance.now() - started) / 1000);
        report({ event: 'stage', stage: stage.id, status: 'done', title: stage.title, ...(detail ? { detail } : {}) });
        timings.push({ id: stage.id, status: 'done', seconds, ...(detail ? { detail } : {}) });
      } catch (error) {
        const seconds = round((performance.now() - started) / 1000);
        report({ event: 'stage', stage: stage.id, status: 'fail', title: stage.title });
        timings.push({ id: stage.id, status: 'fail', seconds });
        throw signal.aborted ? abortError(signal, error) : error;
      }
    }
  } catch (error) {
    if (opts.keep) {
      const left = cleanup.labels();
      if (left.length > 0) report({ event: 'log', level: 'warn', message: `--keep: left on the host for debugging: ${left.join('; ')}` });
    } else {
      await cleanup.unwind(report);
    }
    throw error;
  }
  return timings;
}

function abortError(signal: AbortSignal, cause?: unknown): IngotError {
  const reason: unknown = signal.reason;
  if (reason instanceof IngotError) return reason;
  return new IngotError('INTERRUPTED', 'the build was interrupted', { hint: 'What it had created has been removed (unless --keep).', cause: cause ?? reason });
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
