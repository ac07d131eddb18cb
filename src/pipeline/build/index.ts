// `ingot build` as a library call: the stages of DESIGN.md over one BuildContext. Everything the
// build creates on the host is on the cleanup stack from the moment it exists; a failure or Ctrl-C
// unwinds it (unless keep), and so does the cleanup stage of a build that succeeds.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CleanupStack } from '../cleanup.js';
import { runStages, type Stage, type StageTiming } from '../stages.js';
import { newBuildId, type BuildContext, type BuildInputs } from './context.js';
import { bootStage, provisionStage, readinessStage, seedStage, shutdownStage } from './guest-stages.js';
import { connectStage, diskStage, resolveStage, storageStage, vmStage } from './host-stages.js';
import { checkStage, exportStage, writeBuildManifest } from './output-stages.js';
import { pushStage } from './push-stage.js';
import { rehearseStage } from './rehearse-stage.js';

export interface BuildResult {
  buildId: string;
  vhd: string;
  manifest: string;
  sha256: string;
  size: number;
  stages: StageTiming[];
  leftOnHost: string[];
}

const cleanupStage: Stage<BuildContext> = {
  id: 'cleanup',
  title: 'remove the build VM and its disks',
  async run(ctx) {
    if (ctx.keep) {
      const left = ctx.cleanup.labels();
      return `--keep: left on the host: ${left.join('; ') || 'nothing'}`;
    }
    const count = ctx.cleanup.size;
    const failures = await ctx.cleanup.unwind(ctx.report);
    return failures.length === 0 ? `${count} object(s) removed` : `${count - failures.length} removed, ${failures.length} left (ingot clean finds them)`;
  },
};

export const BUILD_STAGES: ReadonlyArray<Stage<BuildContext>> = [
  resolveStage, connectStage, storageStage, diskStage, vmStage, seedStage, bootStage,
  provisionStage, readinessStage, shutdownStage, exportStage, checkStage, cleanupStage, rehearseStage, pushStage,
];

export interface RunBuildOptions extends BuildInputs {
  signal: AbortSignal;
  /** Chosen by the caller when its reports must name the build before it starts (several builds at once). */
  buildId?: string;
  extraStages?: ReadonlyArray<Stage<BuildContext>>;
}

export async function runBuild(inputs: RunBuildOptions): Promise<BuildResult> {
  const workDir = await mkdtemp(join(inputs.workDir || tmpdir(), 'ingot-build-'));
  const ctx: BuildContext = { ...inputs, workDir, buildId: inputs.buildId ?? newBuildId(inputs.recipe.name), started: new Date(), cleanup: new CleanupStack(), steps: [] };
  ctx.report({ event: 'log', level: 'info', message: `build ${ctx.buildId} of recipe ${inputs.recipe.name}` });
  try {
    const stages = [...BUILD_STAGES, ...(inputs.extraStages ?? [])];
    const timings = await runStages(stages, ctx, { report: ctx.report, signal: inputs.signal, cleanup: ctx.cleanup, keep: ctx.keep });
    const manifest = await writeBuildManifest(ctx, timings);
    ctx.report({ event: 'stage', stage: 'manifest', status: 'done', title: 'write the manifest', detail: manifest });
    const output = ctx.output!;
    return { buildId: ctx.buildId, vhd: output.path, manifest, sha256: output.sha256, size: output.size, stages: timings, leftOnHost: ctx.cleanup.labels() };
  } finally {
    ctx.guest?.session.close();
    await ctx.xapi?.disconnect();
    await rm(workDir, { recursive: true, force: true });
  }
}
