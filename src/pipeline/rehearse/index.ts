// `ingot rehearse` as a library call: boot an exported VHD the way Rackspace would and check its
// first boot (docs/rehearse.md). `ingot rehearse` and `ingot build --rehearse` both call it.
import type { IngotEvent, Report } from '../../cli/events.js';
import { CleanupStack } from '../cleanup.js';
import { runStages, type StageTiming } from '../stages.js';
import type { RehearsalCheck } from './checks.js';
import type { RehearseContext, RehearseInputs } from './context.js';
import { REHEARSE_STAGES } from './stages.js';

export { evaluate, machineIdHashes, parseCloudInitStatus, parseResultJson, type BuildIdentity, type GuestFacts, type RehearsalCheck } from './checks.js';
export type { RehearsalVm, RehearseInputs } from './context.js';
export { readRehearseManifest, type RehearseManifest } from './manifest-input.js';

export interface RehearsalResult {
  id: string;
  vhd: string;
  ssh_user: string;
  hostname: string;
  address: string;
  checks: RehearsalCheck[];
  seconds: number;
  stages: StageTiming[];
  /** What --keep left on the host (remove with `ingot clean --build <id>`). */
  left_on_host: string[];
}

export async function runRehearsal(inputs: RehearseInputs & { signal: AbortSignal; nested?: boolean }): Promise<RehearsalResult> {
  const started = performance.now();
  const ownConnection = inputs.xapi === undefined;
  // Inside a build the rehearsal is one stage: its own stages are reported as log lines under it.
  const report: Report = inputs.nested ? nestedReport(inputs.report) : inputs.report;
  const ctx: RehearseContext = { ...inputs, report, cleanup: new CleanupStack() };
  report({ event: 'log', level: 'info', message: `rehearsal ${ctx.id} of ${inputs.vhd.path} as ${inputs.sshUser}` });
  try {
    const stages = await runStages(REHEARSE_STAGES, ctx, { report, signal: inputs.signal, cleanup: ctx.cleanup, keep: ctx.keep });
    return {
      id: ctx.id, vhd: ctx.vhd.path, ssh_user: ctx.sshUser, hostname: ctx.hostname, address: ctx.address ?? '', checks: ctx.checks ?? [],
      seconds: Math.round((performance.now() - started) / 100) / 10, stages, left_on_host: ctx.cleanup.labels(),
    };
  } catch (error) {
    if (ctx.keep && ctx.cleanup.size > 0) report({ event: 'log', level: 'warn', message: `--keep: remove what the rehearsal left with: ingot clean --build ${ctx.id}` });
    throw error;
  } finally {
    ctx.session?.close();
    if (ownConnection) await ctx.xapi?.disconnect();
  }
}

function nestedReport(report: Report): Report {
  return (event: IngotEvent) => {
    if (event.event !== 'stage') return report(event);
    if (event.status === 'start') return undefined;
    report({ event: 'log', level: event.status === 'fail' ? 'warn' : 'info', message: `rehearse: ${event.status} ${event.title ?? event.stage}${event.detail ? ` — ${event.detail}` : ''}` });
  };
}
