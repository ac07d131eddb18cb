// `ingot rehearse IMAGE.vhd`: boot the exported VHD on the configured host the way Rackspace would
// (fresh VDI, config drive with a new key, no NoCloud), log in as ssh_user and check the first boot.
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { loadConfig } from '../../config/index.js';
import { EXIT, IngotError } from '../../errors/index.js';
import { DEFAULT_BUILD_USER } from '../../guest/seed/index.js';
import { checkHostname } from '../../guest/seed/meta.js';
import { newBuildId } from '../../pipeline/build/context.js';
import { readRehearseManifest, runRehearsal, type RehearsalResult } from '../../pipeline/rehearse/index.js';
import { DEFAULTS, parseDuration, parseSize } from '../../recipe/index.js';
import { checkVhd } from '../../vhd/index.js';
import { flag, stringOption } from '../args.js';
import type { Command, CommandContext, ParsedArgs } from '../command.js';

export const REHEARSAL_MEMORY = '1GiB';

export const rehearseCommand: Command = {
  name: 'rehearse',
  summary: 'boot a built VHD the way Rackspace would (config drive, new key) and check its first boot',
  usage: 'ingot rehearse IMAGE.vhd [--manifest FILE] [--ssh-user USER] [--hostname NAME] [--keep]',
  description: [
    'Checks the VHD, then on the configured XAPI host (as for ingot build) imports it into a new VDI, creates a BIOS',
    'HVM VM with one NIC and an OpenStack config drive (config-2) carrying a new ed25519 key, the hostname and a',
    'network_data.json for the NIC — no NoCloud seed — boots it, logs in as the image\'s ssh_user with that key and',
    'checks: hostname from the metadata, host keys and machine-id unlike the build\'s, cloud-init finished without',
    'errors, datasource ConfigDrive, build user gone. Then removes everything it made (unless --keep).',
    'IMAGE.manifest.json beside the VHD (or --manifest) supplies ssh_user and what the build guest looked like.',
    'Exit status: 0 every check passed, 1 a check failed (REHEARSAL_FAILED) or the VHD fails its check,',
    '2 usage or unreadable input, 3 configuration, 4 the host or guest failed. Details in docs/rehearse.md.',
  ].join('\n'),
  options: {
    manifest: { type: 'string', value: 'FILE', description: 'the build manifest (default: IMAGE.manifest.json beside the VHD, if present)' },
    'ssh-user': { type: 'string', value: 'USER', description: 'the image\'s login user (default: readiness.ssh_user in the manifest)' },
    hostname: { type: 'string', value: 'NAME', description: 'hostname put in the config drive (default: rehearsal-XXXX)' },
    keep: { type: 'boolean', description: 'leave the VM and its disks on the host; ingot clean --build ID removes them' },
    template: { type: 'string', value: 'NAME', description: `VM template on the host (default "${DEFAULTS.vmTemplate}")` },
    sr: { type: 'string', value: 'NAME', description: 'SR for the disk (default: the pool default SR)' },
    network: { type: 'string', value: 'NAME', description: 'network for the NIC (default: the management network)' },
    timeout: { type: 'string', value: 'DURATION', description: 'how long the guest may take to boot and finish cloud-init (default 15m)' },
  },
  run,
};

async function run(ctx: CommandContext, args: ParsedArgs): Promise<typeof EXIT.ok> {
  const [file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) throw new IngotError('USAGE', `ingot rehearse takes one IMAGE.vhd, got ${args.positionals.length} argument(s)`, { hint: "Run 'ingot rehearse --help'." });
  const info = await stat(file).catch((error: unknown) => {
    throw new IngotError('INPUT_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`, { hint: 'Check the path.', cause: error });
  });
  if (!info.isFile()) throw new IngotError('INPUT_UNREADABLE', `${file} is not a file`, { hint: 'Pass the VHD ingot build wrote.' });
  const manifest = await readRehearseManifest(file, stringOption(args, 'manifest'));
  const sshUser = stringOption(args, 'ssh-user') ?? manifest?.sshUser;
  if (sshUser === undefined) {
    throw new IngotError('USAGE', `ingot rehearse: no ssh_user for ${file}`, {
      hint: manifest ? `Pass --ssh-user, or set readiness.ssh_user in the recipe and rebuild (${manifest.path} has none).` : 'Pass --ssh-user USER (the image\'s default cloud-init user, e.g. debian), or keep the manifest ingot build wrote beside the VHD.',
    });
  }
  const hostname = stringOption(args, 'hostname') ?? `rehearsal-${randomBytes(2).toString('hex')}`;
  checkHostname(hostname);
  const timeoutText = stringOption(args, 'timeout') ?? '15m';
  const timeout = parseDuration(timeoutText);
  if (timeout === undefined || timeout <= 0) throw new IngotError('USAGE', `--timeout expects a duration such as 15m or 900s, got '${timeoutText}'`, { hint: 'Units: s, m, h.' });

  const check = await checkVhd(file);
  if (check.verdict === 'unreadable' || check.disk === undefined) {
    throw new IngotError('INPUT_UNREADABLE', `${file} is not a readable VHD: ${check.findings[0]?.message ?? 'no VHD footer'}`, { hint: `Run 'ingot check ${file}' for the details; rehearse boots the VHD ingot build or ingot convert wrote.` });
  }
  if (check.verdict !== 'pass') {
    const errors = check.findings.filter((f) => f.severity === 'error');
    throw new IngotError('VHD_CHECK_FAILED', `${file} fails its check, so Rackspace would not import it: ${errors.length} error(s), first: ${errors[0]?.rule}: ${errors[0]?.message}`, { hint: `Run 'ingot check ${file}' for every finding and its fix.` });
  }
  if (manifest?.identity === undefined) {
    ctx.out.log('warn', manifest ? `${manifest.path} has no readiness.build_identity: host keys and machine-id are checked for presence, not compared with the build's` : `no manifest beside ${file}: host keys and machine-id are checked for presence, not compared with the build's`);
  }

  const config = await loadConfig({ env: ctx.env, cwd: ctx.cwd, file: ctx.global.config, redactor: ctx.redactor });
  const result = await runRehearsal({
    vhd: { path: file, length: info.size, virtualSize: check.disk.currentSize },
    sshUser, hostname, buildUser: manifest?.buildUser ?? DEFAULT_BUILD_USER,
    ...(manifest?.identity ? { identity: manifest.identity } : {}),
    vm: { template: stringOption(args, 'template') ?? DEFAULTS.vmTemplate, memoryBytes: parseSize(REHEARSAL_MEMORY)!, vcpus: DEFAULTS.vcpus, platform: {}, network: stringOption(args, 'network') ?? 'default', sr: stringOption(args, 'sr') ?? 'default' },
    config, redactor: ctx.redactor, report: ctx.out.report, env: ctx.env, id: newBuildId('rehearse'), keep: flag(args, 'keep'),
    readyTimeoutMs: timeout * 1000, timeoutFix: `raise --timeout (now ${timeoutText})`, signal: ctx.signal,
  });
  ctx.out.emit({ event: 'result', command: 'rehearse', ok: true, data: result });
  ctx.out.text(render(result));
  return EXIT.ok;
}

function render(r: RehearsalResult): string {
  const lines = [`rehearsal ${r.id}: ${r.vhd} booted as ${r.ssh_user}@${r.address} (hostname ${r.hostname}) in ${r.seconds} s`];
  for (const c of r.checks) lines.push(`  ${c.ok ? 'ok' : 'FAILED'} ${c.id}: ${c.evidence}`);
  if (r.left_on_host.length > 0) lines.push(`left on the host (--keep): ${r.left_on_host.join('; ')}`, `remove with: ingot clean --build ${r.id}`);
  return lines.join('\n');
}
