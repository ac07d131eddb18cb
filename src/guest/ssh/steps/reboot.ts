// The `reboot` step: reboot from inside, see the connection go, wait for the guest again (with
// the same readiness rules as the first boot) and prove it really rebooted: the kernel's boot id
// must have changed (a guest that ignored the reboot would otherwise pass as "back").
import { IngotError } from '../../../errors/index.js';
import { bootId, issuePowerAction } from '../helpers.js';
import { waitForGuest } from '../wait.js';
import type { StepContext } from './context.js';
import type { RebootStep, StepResult } from './types.js';

export async function runReboot(ctx: StepContext, step: RebootStep): Promise<StepResult> {
  const started = performance.now();
  const before = await bootId(ctx.link.session, ctx.signal);
  const say = (message: string): void => ctx.report?.({ event: 'log', level: 'info', message: `[${ctx.label}] ${message}` });
  say(`rebooting (boot id ${before})`);
  await issuePowerAction(ctx.link.session, 'reboot', { signal: ctx.signal, dropTimeoutMs: (step.downTimeoutSec ?? 120) * 1000 });
  say('connection dropped; waiting for the guest to come back');
  const session = await waitForGuest({ ...ctx.link.wait, signal: ctx.signal, report: ctx.report ?? ctx.link.wait.report });
  ctx.link.session = session;
  const after = await bootId(session, ctx.signal);
  if (after === before) {
    throw new IngotError('GUEST_REBOOT_FAILED', `Step ${ctx.index + 1} "${ctx.label}" (reboot): the guest answered again but its boot id is unchanged (${before}), so it did not reboot.`, {
      hint: 'Something else answered, or the reboot was refused (a systemd inhibitor); the serial console log shows what happened.',
      details: { step: ctx.index + 1, bootIdBefore: before, bootIdAfter: after },
    });
  }
  const durationMs = Math.round(performance.now() - started);
  const summary = `boot id ${before} → ${after}`;
  say(`back after ${(durationMs / 1000).toFixed(1)} s (${summary})`);
  return { index: ctx.index, label: ctx.label, kind: 'reboot', ok: true, exitCode: null, durationMs, lastLines: [], summary };
}
