// The `upload` step: a file or a directory tree over SFTP. With sudo (the default) the tree is
// staged in a private temp directory as the build user, given its owner there, and copied into
// place as root with `cp -a` (modes and owners kept), so system paths like /etc can be written.
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { IngotError } from '../../../errors/index.js';
import { interrupted } from '../connect.js';
import { execInGuest } from '../exec.js';
import { mkdirp, openSftp, uploadTree } from '../sftp.js';
import { shQuote, tempPath, withCleanup } from './command.js';
import type { StepContext } from './context.js';
import { commandOutcome, stepName } from './outcome.js';
import type { StepResult, UploadStep } from './types.js';

const OWNER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;

function checkStep(ctx: StepContext, step: UploadStep): void {
  const bad = (message: string): never => {
    throw new IngotError('STEP_INVALID', `Step "${ctx.label}": ${message}`, { hint: 'Fix the upload step in the recipe.' });
  };
  if (!posix.isAbsolute(step.destination)) bad(`destination must be an absolute path in the guest, got ${JSON.stringify(step.destination)}.`);
  for (const [name, mode] of [['mode', step.mode], ['dirMode', step.dirMode]] as const) {
    if (mode !== undefined && (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)) bad(`${name} must be a permission number like 0644 (0–07777), got ${mode}.`);
  }
  if (step.owner !== undefined && !OWNER.test(step.owner)) bad(`owner must look like user or user:group, got ${JSON.stringify(step.owner)}.`);
  if (step.owner !== undefined && step.sudo === false) bad('owner needs sudo (changing ownership is root\'s job); drop `sudo: false` or the owner.');
}

export async function runUpload(ctx: StepContext, step: UploadStep): Promise<StepResult> {
  checkStep(ctx, step);
  const started = performance.now();
  const info = await stat(step.source).catch((error: unknown) => {
    throw new IngotError('STEP_INVALID', `Step "${ctx.label}": cannot read the upload source ${step.source}: ${(error as Error).message}.`, {
      cause: error,
      hint: 'Upload sources are relative to the recipe file; check the name.',
    });
  });
  const modes = { fileMode: step.mode, dirMode: step.dirMode ?? 0o755 };
  const session = ctx.link.session;
  const sftp = await openSftp(session);
  const sudo = step.sudo ?? true;
  let files = 0;
  let stage: string | undefined;
  // Ctrl-C or the step's timeout end the SFTP session; the pending writes then fail and we say why.
  let stopped: 'timeout' | 'abort' | undefined;
  const halt = new AbortController();
  // SFTP requests still in flight when the session ends may never call back: race them.
  const haltedPromise = new Promise<never>((_resolve, reject) => {
    halt.signal.addEventListener('abort', () => reject(new Error('transfer stopped')), { once: true });
  });
  haltedPromise.catch(() => undefined); // observed through the race below
  const stopTransfer = (why: 'timeout' | 'abort'): void => {
    stopped ??= why;
    halt.abort();
    sftp.end();
  };
  const timer = step.timeoutSec === undefined ? undefined : setTimeout(() => stopTransfer('timeout'), step.timeoutSec * 1000);
  const onAbort = (): void => stopTransfer('abort');
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (ctx.signal?.aborted) stopTransfer('abort');
    const transfer = async (): Promise<number> => {
      const treeModes = { ...modes, signal: halt.signal };
      if (!sudo) {
        await mkdirp(sftp, info.isDirectory() ? step.destination : posix.dirname(step.destination), modes.dirMode);
        return uploadTree(sftp, step.source, step.destination, treeModes);
      }
      stage = tempPath('upload');
      await mkdirp(sftp, stage, 0o700);
      return uploadTree(sftp, step.source, `${stage}/payload`, treeModes);
    };
    const work = transfer();
    work.catch(() => undefined); // when the race is lost, its late failure is expected
    files = await Promise.race([work, haltedPromise]);
  } catch (error) {
    // Do not leave a half-staged tree in the guest's /tmp; if that fails too, the upload error is the one to show.
    if (stage !== undefined) await execInGuest(session, `rm -rf ${shQuote(stage)}`, { timeoutMs: 5_000 }).catch(() => undefined);
    if (stopped === 'abort') throw interrupted(`uploading ${step.source} to ${session.target} (the transfer was stopped)`);
    if (stopped === 'timeout') {
      throw new IngotError('STEP_TIMEOUT', `${stepName(ctx, 'upload')} timed out after ${step.timeoutSec} s while uploading ${step.source}; the transfer was stopped.`, {
        hint: 'Raise the step\'s timeout, or upload less (an archive unpacked by a shell step moves many small files faster).',
        details: { step: ctx.index + 1, label: ctx.label, kind: 'upload' },
      });
    }
    throw error;
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
    sftp.end();
  }
  if (stopped === 'abort') throw interrupted(`uploading ${step.source} to ${session.target}`);
  const summary = `${files} file(s) to ${step.destination}`;
  ctx.report?.({ event: 'log', level: 'info', message: `[${ctx.label}] uploaded ${summary}` });
  if (stage === undefined) {
    return { index: ctx.index, label: ctx.label, kind: 'upload', ok: true, exitCode: null, durationMs: Math.round(performance.now() - started), lastLines: [], summary };
  }
  const payload = `${stage}/payload`;
  const dest = shQuote(step.destination);
  const place = info.isDirectory()
    ? `mkdir -p ${dest} && cp -a ${shQuote(payload)}/. ${dest}/`
    : `mkdir -p ${shQuote(posix.dirname(step.destination))} && cp -a ${shQuote(payload)} ${dest}`;
  const script = `set -eu; chown -R ${shQuote(step.owner ?? 'root:root')} ${shQuote(payload)}; ${place}`;
  const command = withCleanup(`sudo -n sh -c ${shQuote(script)}`, stage, true);
  const result = await execInGuest(session, command, { label: ctx.label, report: ctx.report, signal: ctx.signal, keepLines: ctx.keepLines });
  const outcome = commandOutcome(ctx, 'upload', result, undefined);
  return { ...outcome, exitCode: null, durationMs: Math.round(performance.now() - started), summary };
}
