// Runs the builds of `ingot build RECIPE…` once every recipe is valid: up to --parallel at a time,
// each with its own build id, cleanup stack and manifest, and shows them — a listr2 task list on a
// terminal, plain lines (prefixed `[recipe]` when several run) or NDJSON otherwise — then the summary.
import { tmpdir } from 'node:os';
import type { IngotConfig } from '../config/index.js';
import { EXIT, IngotError, type ExitStatus } from '../errors/index.js';
import { newBuildId } from '../pipeline/build/context.js';
import { BUILD_STAGES, runBuild, type BuildResult } from '../pipeline/build/index.js';
import { runLimited, type Settled } from '../pipeline/build/many.js';
import type { ValidRecipe } from '../recipe/index.js';
import type { CommandContext } from './command.js';
import type { BuildTag } from './events.js';
import { errorFields } from './present.js';
import { TaskView, type StageSpec } from './task-view.js';

export interface BuildRunOptions {
  config: IngotConfig;
  parallel: number;
  push: boolean;
  keep: boolean;
  rehearse: boolean;
}

interface Job {
  check: ValidRecipe;
  tag: BuildTag;
  label: string;
}

/** What the view lists for each build: the pipeline's stages, then the manifest runBuild writes last. */
const STAGES: StageSpec[] = [...BUILD_STAGES.map(({ id, title }) => ({ id, title })), { id: 'manifest', title: 'write the manifest' }];

export async function runBuilds(ctx: CommandContext, recipes: readonly ValidRecipe[], opts: BuildRunOptions): Promise<ExitStatus> {
  const many = recipes.length > 1;
  const labels = uniqueLabels(recipes);
  const jobs: Job[] = recipes.map((check, i) => ({ check, label: labels[i]!, tag: { recipe: check.recipe.name, id: newBuildId(check.recipe.name) } }));
  const view = ctx.out.mode === 'tty' && ctx.out.verbosity !== 'quiet'
    ? new TaskView(jobs.map((j) => ({ key: j.tag.id, label: j.label, stages: STAGES })), ctx.redactor, { parallel: opts.parallel })
    : undefined;
  ctx.out.attach(view);
  view?.start();
  let settled: Settled<Job, BuildResult>[];
  try {
    settled = await runLimited(jobs, opts.parallel, ctx.signal, async (job) => {
      view?.begin(job.tag.id);
      try {
        const result = await runBuild({
          recipe: job.check.recipe, digest: job.check.digest, variables: job.check.variables, config: opts.config, redactor: ctx.redactor,
          report: ctx.out.forBuild(job.tag, many ? job.label : undefined), env: ctx.env, workDir: ctx.env.TMPDIR ?? tmpdir(),
          keep: opts.keep, push: opts.push, rehearse: opts.rehearse, signal: ctx.signal, buildId: job.tag.id,
        });
        view?.finish(job.tag.id);
        ctx.out.emit({ event: 'result', command: 'build', ok: true, data: result, build: job.tag });
        return result;
      } catch (error) {
        const fields = errorFields(error);
        view?.finish(job.tag.id, fields.message);
        // With several builds each failure is shown as it happens; a single build's goes to the presenter.
        if (many) ctx.out.buildError(job.tag, fields);
        throw error;
      }
    });
  } finally {
    for (const job of jobs) view?.finish(job.tag.id);
    await view?.close();
    ctx.out.attach(undefined);
  }

  if (!many) {
    const only = settled[0]!;
    if (only.status === 'failed') throw only.error;
    if (only.status === 'not-started') throw interrupted(ctx.signal);
    const result = only.result;
    ctx.out.text([`built ${result.vhd} (${result.size} bytes, sha256 ${result.sha256})`, `manifest ${result.manifest}`, ...(result.leftOnHost.length ? [`left on the host (--keep): ${result.leftOnHost.join('; ')}`] : [])].join('\n'));
    return EXIT.ok;
  }
  return summarize(ctx, settled);
}

function summarize(ctx: CommandContext, settled: readonly Settled<Job, BuildResult>[]): ExitStatus {
  const rows = settled.map((s) => {
    const base = { recipe: s.job.check.recipe.name, file: s.job.check.file, build_id: s.job.tag.id };
    if (s.status === 'done') return { ...base, result: 'built' as const, vhd: s.result.vhd, manifest: s.result.manifest, ...(s.result.leftOnHost.length ? { left_on_host: s.result.leftOnHost } : {}) };
    if (s.status === 'not-started') return { ...base, result: 'not started' as const };
    const { code, message, exit } = errorFields(s.error);
    return { ...base, result: 'failed' as const, code, exit, message };
  });
  const failed = rows.filter((r) => r.result !== 'built');
  ctx.out.emit({ event: 'result', command: 'build', ok: failed.length === 0, data: { builds: rows } });
  const cells = rows.map((r, i) => [settled[i]!.job.label, r.build_id, r.result, 'vhd' in r ? r.vhd : 'code' in r ? `${r.code} (exit ${r.exit})` : ctx.signal.aborted ? 'interrupted before it began' : '']);
  const widths = [0, 1, 2].map((c) => Math.max(...cells.map((row) => row[c]!.length)));
  const counts = (['built', 'failed', 'not started'] as const).map((k) => [k, rows.filter((r) => r.result === k).length] as const).filter(([, n]) => n > 0);
  ctx.out.text([
    `${rows.length} builds: ${counts.map(([k, n]) => `${n} ${k}`).join(', ')}`,
    ...cells.map((row) => `  ${row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell)).join('  ').trimEnd()}`),
  ].join('\n'));
  if (failed.length === 0) return EXIT.ok;
  if (ctx.signal.aborted) throw interrupted(ctx.signal);
  throw new IngotError('BUILDS_FAILED', `${failed.length} of ${rows.length} builds failed: ${failed.map((r) => `${r.recipe} (${'code' in r ? r.code : r.result})`).join(', ')}`, {
    hint: 'Each failed build\'s error and hint are above, prefixed with its recipe; the builds that succeeded wrote their VHD and manifest.',
    details: { builds: rows },
  });
}

function interrupted(signal: AbortSignal): IngotError {
  const reason: unknown = signal.reason;
  return reason instanceof IngotError ? reason : new IngotError('INTERRUPTED', 'the builds were interrupted', { hint: 'What they had created was removed first, unless --keep.' });
}

// The recipe name, unless two recipes share it: then the file tells them apart.
function uniqueLabels(recipes: readonly ValidRecipe[]): string[] {
  const count = new Map<string, number>();
  for (const r of recipes) count.set(r.recipe.name, (count.get(r.recipe.name) ?? 0) + 1);
  return recipes.map((r) => (count.get(r.recipe.name)! > 1 ? `${r.recipe.name} (${r.file})` : r.recipe.name));
}
