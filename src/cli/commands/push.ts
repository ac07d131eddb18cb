// `ingot push IMAGE.vhd`: check the VHD, upload it to Cloud Files, import it with Cloud Images,
// set its metadata; the manifest beside the VHD supplies what the flags omit (docs/rackspace.md).
import { stat } from 'node:fs/promises';
import { loadConfig } from '../../config/index.js';
import { EXIT, IngotError, isIngotError } from '../../errors/index.js';
import { manifestPathFor, readManifestDefaults, recordPushResult, type ManifestDefaults } from '../../rackspace/manifest-input.js';
import { planSegments, parseSize } from '../../rackspace/slo.js';
import { DEFAULT_CONTAINER, DEFAULT_POLL_MS, pushVhd, type PushOptions } from '../../rackspace/push.js';
import { checkVhd } from '../../vhd/index.js';
import { flag, listOption, stringOption } from '../args.js';
import type { Command, CommandContext, ParsedArgs } from '../command.js';

export const pushCommand: Command = {
  name: 'push',
  summary: 'upload a VHD to Cloud Files, import it with Cloud Images and set its metadata',
  usage: 'ingot push IMAGE.vhd --name NAME --ssh-user USER [--metadata KEY=VALUE]… [--region R]',
  description:
    'Checks the VHD (as `ingot check`), uploads it to Cloud Files (one PUT, or a static large object in\n' +
    'parallel, verified segments; a re-run resumes), imports it with a Cloud Images task, then sets\n' +
    'vm_mode=hvm, img_config_drive=mandatory, ssh_user and any --metadata, and reads them back.\n' +
    'Credentials: RAX_USERNAME with RAX_API_KEY (or RAX_API_KEY_FILE, or RAX_PASSWORD); never on the command line.\n' +
    'IMAGE.manifest.json beside the VHD, when present, supplies name, ssh user, region, container, metadata.\n' +
    'Exit status: 0 imported, 1 Rackspace rejected the image or the check failed, 2 usage, 3 credentials or\n' +
    'region, 4 a service kept failing. Details in docs/rackspace.md.',
  options: {
    name: { type: 'string', value: 'NAME', description: 'image name in Cloud Images (or push.rackspace.image_name in the manifest)' },
    'ssh-user': { type: 'string', value: 'USER', description: 'the image\'s login user, set as ssh_user metadata (or readiness.ssh_user)' },
    metadata: { type: 'string', multiple: true, value: 'KEY=VALUE', description: 'extra image metadata' },
    region: { type: 'string', value: 'REGION', description: 'DFW, ORD, IAD, LON, HKG, SYD (default: manifest, RAX_REGION, then the account default)' },
    container: { type: 'string', value: 'NAME', description: `Cloud Files container (default ${DEFAULT_CONTAINER}); segments go to NAME_segments` },
    'segment-size': { type: 'string', value: 'SIZE', description: 'SLO segment size, 1M–5G (default: 256M, larger when the file needs it)' },
    concurrency: { type: 'string', value: 'N', description: 'segments uploaded at once (default 4)' },
    'poll-interval': { type: 'string', value: 'SECONDS', description: `import task polling interval (default ${DEFAULT_POLL_MS / 1000}, as Rackspace asks)` },
    'identity-url': { type: 'string', value: 'URL', description: 'Identity v2.0 endpoint (default: RAX_IDENTITY_URL, then Rackspace\'s)' },
    servicenet: { type: 'boolean', description: 'upload over ServiceNet (internalURL): only from a Rackspace server in the same region' },
    'skip-check': { type: 'boolean', description: 'do not check the VHD first (for experts: Rackspace may reject it at import)' },
    'dry-run': { type: 'boolean', description: 'print what would be done, make no request' },
  },
  run,
};

function positiveNumber(args: ParsedArgs, name: string, integer: boolean): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new IngotError('USAGE', `--${name} expects a positive ${integer ? 'whole ' : ''}number, got '${text}'`, { hint: `Run 'ingot push --help'.` });
  }
  return value;
}

function parseMetadata(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new IngotError('USAGE', `--metadata expects KEY=VALUE, got '${item}'`, { hint: 'For example --metadata os_distro=debian.' });
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function required(value: string | undefined, flagName: string, manifestKey: string, manifest: ManifestDefaults | undefined): string {
  if (value !== undefined) return value;
  throw new IngotError('USAGE', `ingot push needs --${flagName}`, {
    hint: manifest ? `Pass --${flagName}, or set ${manifestKey} in ${manifest.path}.` : `Pass --${flagName} (or build the image with ingot build, whose manifest carries ${manifestKey}).`,
  });
}

async function preflight(ctx: CommandContext, file: string, skip: boolean): Promise<void> {
  if (skip) {
    ctx.out.log('warn', `not checking ${file} (--skip-check): Rackspace may still reject it at import`);
    return;
  }
  const result = await checkVhd(file);
  for (const f of result.findings) ctx.out.log(f.severity === 'error' ? 'warn' : 'info', `check: ${f.severity} ${f.rule}: ${f.message}`);
  if (result.verdict === 'pass') return;
  const errors = result.findings.filter((f) => f.severity === 'error');
  throw new IngotError('VHD_CHECK_FAILED', `${file} would be rejected by Rackspace: ${result.verdict === 'unreadable' ? 'it is not a readable VHD' : `${errors.length} error(s), first: ${errors[0]?.message ?? '?'}`}`, {
    hint: `Run 'ingot check ${file}' for every finding and its fix; --skip-check pushes anyway.`,
    details: { verdict: result.verdict, findings: result.findings.length },
  });
}

async function run(ctx: CommandContext, args: ParsedArgs): Promise<typeof EXIT.ok> {
  const [file, ...extra] = args.positionals;
  if (file === undefined || extra.length > 0) throw new IngotError('USAGE', `ingot push takes one IMAGE.vhd, got ${args.positionals.length} argument(s)`, { hint: "Run 'ingot push --help'." });
  const info = await stat(file).catch((error: unknown) => {
    throw new IngotError('INPUT_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`, { hint: 'Check the path.', cause: error });
  });
  if (!info.isFile()) throw new IngotError('INPUT_UNREADABLE', `${file} is not a file`, {});
  const manifest = await readManifestDefaults(file);
  const name = required(stringOption(args, 'name') ?? manifest?.name, 'name', 'push.rackspace.image_name', manifest);
  const sshUser = required(stringOption(args, 'ssh-user') ?? manifest?.sshUser, 'ssh-user', 'readiness.ssh_user', manifest);
  const metadata = { ...manifest?.metadata, ...parseMetadata(listOption(args, 'metadata')) };
  const sizeText = stringOption(args, 'segment-size');
  const segmentSize = sizeText === undefined ? manifest?.segmentSize : parseSize(sizeText);
  if (sizeText !== undefined && segmentSize === undefined) throw new IngotError('USAGE', `--segment-size expects a size such as 256M or 1G, got '${sizeText}'`, {});
  const plan = planSegments(info.size, segmentSize); // refuses bad sizes before any request
  const concurrency = positiveNumber(args, 'concurrency', true) ?? 4;
  const pollSeconds = positiveNumber(args, 'poll-interval', false);
  const flagRegion = stringOption(args, 'region');

  const config = await loadConfig({ env: ctx.env, cwd: ctx.cwd, file: ctx.global.config, flags: { identityUrl: stringOption(args, 'identity-url'), region: flagRegion }, redactor: ctx.redactor });
  const rax = config.rackspace;
  const region = flagRegion?.toUpperCase() ?? manifest?.region?.toUpperCase() ?? rax.region;
  const container = stringOption(args, 'container') ?? manifest?.container ?? DEFAULT_CONTAINER;

  if (flag(args, 'dry-run')) {
    const data = { file, size: info.size, identityUrl: rax.identityUrl, username: rax.username ?? null, region: region ?? '(account default)', container, object: file.split('/').at(-1), upload: plan.single ? 'one PUT with its MD5 as ETag' : `SLO: ${plan.count} segments of ${plan.segmentSize} bytes into ${container}_segments, ${concurrency} at a time`, importTask: { type: 'import', input: { image_properties: { name }, import_from: `${container}/${file.split('/').at(-1)}` } }, metadata: { ...metadata, vm_mode: 'hvm', img_config_drive: 'mandatory', ssh_user: sshUser } };
    ctx.out.emit({ event: 'result', command: 'push', ok: true, data: { dryRun: true, ...data } });
    ctx.out.text(Object.entries(data).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n'));
    return EXIT.ok;
  }
  if (rax.username === undefined) throw new IngotError('RAX_CREDENTIALS_MISSING', 'no Rackspace user name', { hint: 'Set RAX_USERNAME and RAX_API_KEY (or RAX_API_KEY_FILE).' });
  if (rax.apiKey === undefined && rax.password === undefined) throw new IngotError('RAX_CREDENTIALS_MISSING', `no API key or password for Rackspace user ${rax.username}`, { hint: 'Set RAX_API_KEY or RAX_API_KEY_FILE (RAX_PASSWORD works too).' });

  await preflight(ctx, file, flag(args, 'skip-check'));
  const options: PushOptions = {
    file, name, sshUser, extraMetadata: metadata, container, concurrency,
    identityUrl: rax.identityUrl,
    credentials: { username: rax.username, ...(rax.apiKey !== undefined ? { apiKey: rax.apiKey } : { password: rax.password! }) },
    redactor: ctx.redactor, report: ctx.out.report, signal: ctx.signal, servicenet: flag(args, 'servicenet'),
    ...(region === undefined ? {} : { region }),
    ...(segmentSize === undefined ? {} : { segmentSize }),
    ...(pollSeconds === undefined ? {} : { pollIntervalMs: pollSeconds * 1000 }),
  };
  const result = await pushVhd(options).catch((error: unknown) => {
    if (isIngotError(error) && error.code === 'INTERRUPTED') {
      throw new IngotError('INTERRUPTED', error.message, { hint: 'Run the same command again to resume: what is already in Cloud Files is kept, not sent again.', cause: error });
    }
    throw error;
  });
  const data = {
    file, region: result.region, container: result.upload.container, object: result.upload.object, kind: result.upload.kind, size: result.upload.size,
    etag: result.upload.etag, segments: result.upload.segments, uploaded: result.upload.uploaded, kept: result.upload.kept,
    mbPerSecond: Number(result.upload.mbPerSecond.toFixed(2)), taskId: result.taskId, imageId: result.imageId, metadata: result.metadata, metadataVia: result.metadataVia,
  };
  if (manifest !== undefined) await recordPushResult(manifestPathFor(file), data, ctx.redactor);
  ctx.out.emit({ event: 'result', command: 'push', ok: true, data });
  ctx.out.text(`image ${result.imageId} (${name}) imported in ${result.region}\n  ${data.container}/${data.object}: ${data.kind === 'slo' ? `${data.segments} segments, ${data.uploaded} sent, ${data.kept} kept` : 'one object'}, ${data.mbPerSecond} MB/s\n  metadata: ${Object.entries(result.metadata).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return EXIT.ok;
}
