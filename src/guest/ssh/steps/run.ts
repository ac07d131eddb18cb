// Runs the provisioning steps in order over one guest link; the first failure stops the build
// (its error carries the step's StepResult in `details.stepResult`).
import type { Report } from '../../../cli/events.js';
import { IngotError } from '../../../errors/index.js';
import type { GuestLink, StepContext } from './context.js';
import { runReboot } from './reboot.js';
import { runScript, runShell } from './shell.js';
import type { ProvisionStep, StepResult } from './types.js';
import { runUpload } from './upload.js';

export interface RunStepsOptions {
  report?: Report;
  signal?: AbortSignal;
  keepLines?: number;
  /** Called with each finished step's result, failures included, in order (for the manifest). */
  onResult?: (result: StepResult) => void;
}

export function defaultLabel(step: ProvisionStep, index: number): string {
  return step.label ?? `${step.kind} ${index + 1}`;
}

function runOne(ctx: StepContext, step: ProvisionStep): Promise<StepResult> {
  switch (step.kind) {
    case 'shell':
      return runShell(ctx, step);
    case 'script':
      return runScript(ctx, step);
    case 'upload':
      return runUpload(ctx, step);
    case 'reboot':
      return runReboot(ctx, step);
    default: {
      const kind = (step as { kind: unknown }).kind;
      throw new IngotError('STEP_INVALID', `Unknown step kind ${JSON.stringify(kind)}: expected one of shell, script, upload, reboot.`);
    }
  }
}

export async function runSteps(link: GuestLink, steps: readonly ProvisionStep[], opts: RunStepsOptions = {}): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const [index, step] of steps.entries()) {
    const label = defaultLabel(step, index);
    const ctx: StepContext = { link, index, label, report: opts.report, signal: opts.signal, keepLines: opts.keepLines ?? 20 };
    opts.report?.({ event: 'stage', stage: 'provision', status: 'start', title: `step ${index + 1}/${steps.length}: ${label}` });
    try {
      const result = await runOne(ctx, step);
      results.push(result);
      opts.onResult?.(result);
      opts.report?.({ event: 'stage', stage: 'provision', status: 'done', title: `step ${index + 1}/${steps.length}: ${label}`, detail: result.summary });
    } catch (error) {
      const stepResult = error instanceof IngotError ? (error.details?.stepResult as StepResult | undefined) : undefined;
      const failed: StepResult = stepResult ?? { index, label, kind: step.kind, ok: false, exitCode: null, durationMs: 0, lastLines: [], summary: error instanceof Error ? error.message.split('\n')[0] ?? 'failed' : 'failed' };
      opts.onResult?.(failed);
      opts.report?.({ event: 'stage', stage: 'provision', status: 'fail', title: `step ${index + 1}/${steps.length}: ${label}`, detail: failed.summary });
      throw error;
    }
  }
  return results;
}
