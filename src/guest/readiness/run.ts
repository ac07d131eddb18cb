// Runs the readiness target in the guest: read the build identity (read-only), refuse an
// unsupported system before anything changes, then upload the target's scripts and run them in
// ONE root process (run.sh: prepare, probe, schedule the power-off). After it the build user, its
// sudo rule and the host keys are gone, so nothing else may run in the guest.
import { readFile } from 'node:fs/promises';
import type { Report } from '../../cli/events.js';
import { IngotError } from '../../errors/index.js';
import { runInGuest, type GuestSession } from '../ssh/index.js';
import { mkdirp, openSftp, writeRemoteFile } from '../ssh/sftp.js';
import { shQuote, tempPath } from '../ssh/steps/command.js';
import { parseIdentity, type BuildIdentity, type GuestFacts } from './identity.js';
import { SUPPORTED_SYSTEMS } from './items.js';
import { judgeReport, parseProbeReport, type ReportItem } from './report.js';

/** templates/readiness/<target>/ in the package (two levels above both src/ and dist/). */
export const READINESS_TEMPLATES = new URL('../../../templates/readiness/', import.meta.url);
const SCRIPTS = ['run.sh', 'prepare.sh', 'probe.sh'] as const;
/** Zeroing free space and update-grub are slow on an emulated guest; the apt calls have their own 600 s limits. */
const RUN_TIMEOUT_MS = 45 * 60_000;

export interface ReadinessOptions {
  target: 'rackspace';
  sshUser: string;
  buildUser: string;
  /** The build key's authorized_keys line (public; the probe searches for it). */
  buildPublicKey: string;
  waive: readonly string[];
  signal?: AbortSignal;
  report?: Report;
}

export interface ReadinessResult {
  report: ReportItem[];
  build_identity: BuildIdentity;
  system: string;
  /** run.sh asked the guest to power off a few seconds after it returned. */
  poweroffScheduled: true;
}

/** The supported system the guest runs, or READINESS_UNSUPPORTED (thrown before anything changes). */
export function requireSupported(os: GuestFacts['os'], target: string): (typeof SUPPORTED_SYSTEMS)[number] {
  const supported = SUPPORTED_SYSTEMS.find((s) => s.id === os.id && s.versionId === os.versionId);
  if (supported !== undefined) return supported;
  throw new IngotError('READINESS_UNSUPPORTED', `The readiness target ${target} does not support ${os.prettyName} (os-release ID=${os.id}, VERSION_ID=${os.versionId}) yet; nothing in the guest was changed.`, {
    hint: `Supported: ${SUPPORTED_SYSTEMS.map((s) => s.name).join(', ')}. Build from one of those, or set readiness.target: none and prepare the image in your own provisioning steps.`,
  });
}

export function templatePath(target: string, file: string): URL {
  return new URL(`${target}/${file}`, READINESS_TEMPLATES);
}

export async function runReadiness(session: GuestSession, opts: ReadinessOptions): Promise<ReadinessResult> {
  const identityScript = await readFile(templatePath(opts.target, 'identity.sh'), 'utf8');
  // As root, read-only: cloud-init writes the host keys' .pub files with mode 0600.
  const facts = parseIdentity((await runInGuest(session, 'sh -s', { sudo: true, stdin: identityScript, signal: opts.signal, timeoutMs: 60_000 })).stdout);
  const supported = requireSupported(facts.os, opts.target);
  opts.report?.({ event: 'log', level: 'info', message: `readiness: ${supported.name}, build host name ${facts.identity.hostname}, ${facts.identity.host_key_fingerprints.length} host key(s)` });

  const dir = tempPath('readiness');
  const env = [`SSH_USER=${shQuote(opts.sshUser)}`, `BUILD_USER=${shQuote(opts.buildUser)}`, `BUILD_KEY=${shQuote(opts.buildPublicKey)}`, ''].join('\n');
  const sftp = await openSftp(session);
  try {
    await mkdirp(sftp, dir, 0o700);
    await writeRemoteFile(sftp, `${dir}/env`, env, 0o600);
    for (const name of SCRIPTS) await writeRemoteFile(sftp, `${dir}/${name}`, await readFile(templatePath(opts.target, name), 'utf8'), 0o700);
  } finally {
    sftp.end();
  }
  const result = await runInGuest(session, `sudo -n sh ${shQuote(`${dir}/run.sh`)}`, {
    label: 'readiness', report: opts.report, signal: opts.signal, timeoutMs: RUN_TIMEOUT_MS, allowFailure: true,
  });
  if (result.exitCode !== 0) {
    throw new IngotError('GUEST_COMMAND_FAILED', `The readiness preparation in ${session.target} ${result.timedOut ? 'timed out' : `failed (exit ${result.exitCode ?? result.exitSignal ?? 'unknown'})`}:\n${result.lastLines.map((l) => `  | ${l}`).join('\n')}`, {
      hint: 'The lines above are the end of its output; with --keep the VM stays on the host (its build user may already be removed: read the disk, or the serial console).',
      details: { target: session.target, exitCode: result.exitCode, lastLines: result.lastLines },
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch (error) {
    throw new IngotError('READINESS_PROBE_INVALID', `The readiness probe in ${session.target} did not print JSON (${(error as Error).message}); it printed:\n${result.stdout.slice(0, 400)}`, {
      cause: error, hint: 'probe.sh must print exactly one JSON list on stdout; this is a bug in ingot if you did not edit the templates.',
    });
  }
  const items = parseProbeReport(parsed, session.target);
  const report = judgeReport(items, opts.waive);
  return { report, build_identity: facts.identity, system: supported.name, poweroffScheduled: true };
}
