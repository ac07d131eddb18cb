// `ingot lab up|down|status`: the lab in the background. A running lab (foreground or background)
// writes <dir>/lab.json {pid, url, user, fingerprint}; `up` starts `ingot lab serve` detached with
// its output in <dir>/lab.log and waits for that file; `down` sends SIGTERM and waits for the exit.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IngotError } from '../errors/index.js';

export const STATE_FILE = 'lab.json';
export const LOG_FILE = 'lab.log';

export interface LabState {
  pid: number;
  url: string;
  user: string;
  fingerprint: string | undefined;
  passwordFile: string;
  accel: string | undefined;
  accelReason: string | undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running lab of `dir`, or undefined (a stale state file is ignored). */
export async function runningLab(dir: string): Promise<LabState | undefined> {
  let state: LabState;
  try {
    state = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as LabState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IngotError('LAB_STATE_INVALID', `${join(dir, STATE_FILE)} is not readable lab state.`, { hint: 'Remove that file if no lab runs.', cause: error });
  }
  return alive(state.pid) ? state : undefined;
}

export async function writeState(dir: string, state: LabState): Promise<void> {
  await writeFile(join(dir, STATE_FILE), `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

export async function clearState(dir: string, pid: number): Promise<void> {
  const current = await readFile(join(dir, STATE_FILE), 'utf8').catch(() => undefined);
  if (current !== undefined && (JSON.parse(current) as LabState).pid === pid) await rm(join(dir, STATE_FILE), { force: true });
}

/** Starts `node <cli> lab serve <args>` detached and waits until it reports itself in lab.json. */
export async function startBackground(dir: string, cliArgs: string[], timeoutMs = 60_000): Promise<LabState> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const logPath = join(dir, LOG_FILE);
  const log = openSync(logPath, 'a', 0o600);
  const child = spawn(process.execPath, [process.argv[1] as string, 'lab', 'serve', ...cliArgs], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, CI: 'true' },
  });
  closeSync(log);
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code));
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await runningLab(dir).catch(() => undefined);
    if (state !== undefined && state.pid === child.pid) return state;
    if (exitCode !== undefined) break;
    await sleep(100);
  }
  if (exitCode === undefined) child.kill('SIGTERM');
  const tail = (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
  throw new IngotError('LAB_START_FAILED', `The lab did not start${exitCode === undefined ? ` within ${timeoutMs / 1000} s` : ` (exit status ${exitCode})`}.\n${tail}`, {
    hint: `Its output is in ${logPath}.`,
  });
}

/** SIGTERM, then wait for the process to go (SIGKILL after the grace period). */
export async function stopBackground(state: LabState, graceMs = 20_000): Promise<void> {
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(state.pid) && Date.now() < deadline) await sleep(100);
  if (alive(state.pid)) process.kill(state.pid, 'SIGKILL');
}
