// Stages that produce the image and its record: export, check, cleanup, manifest.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IngotError } from '../../errors/index.js';
import { formatBytes } from '../../format.js';
import { sourceDateEpoch } from '../../guest/iso/index.js';
import { checkVhd, convertToVhd, vhdStreamToRawFile } from '../../vhd/index.js';
import { exportVdi } from '../../xapi/vdi.js';
import { ingotVersion } from '../../version.js';
import { manifestPathFor, MANIFEST_VERSION, writeManifest, type Manifest } from '../manifest.js';
import type { Stage, StageTiming } from '../stages.js';
import { need, type BuildContext } from './context.js';
import { detachSeed } from './guest-stages.js';

export const exportStage: Stage<BuildContext> = {
  id: 'export',
  title: 'export the disk as a VHD',
  async run(ctx, signal) {
    const xapi = need(ctx.xapi, 'the XAPI connection');
    await detachSeed(ctx);
    // The host exports a sparse dynamic VHD (only allocated blocks cross the network). It is read
    // back into a sparse raw file and written again by ingot's own writer, so the output has the
    // layout Rackspace advises (creator tap, 2 MiB blocks) and, when deterministic, the same bytes
    // for the same disk content whatever host produced it.
    const vdi = need(ctx.disk, 'the build disk').vdi;
    const exported = await exportVdi(xapi, vdi, 'vhd');
    const raw = join(ctx.workDir, 'export.raw');
    const { directory, fileName, deterministic } = ctx.recipe.output;
    const stop = () => exported.stream.destroy(signal.reason instanceof Error ? signal.reason : new Error('interrupted'));
    signal.addEventListener('abort', stop, { once: true });
    let received;
    try {
      // The writer's pass 1 is computed on the bytes as they arrive, so the raw is read once more
      // (to write the VHD in file order, hashed as it goes) and the VHD is never read back.
      received = await vhdStreamToRawFile(exported.stream, raw, ctx.report, undefined, { scan: { deterministic } });
    } catch (error) {
      if (signal.aborted) throw error;
      throw await brokenExport(vdi, error, exported.done);
    } finally {
      signal.removeEventListener('abort', stop);
    }
    await exported.done;
    await mkdir(directory, { recursive: true });
    const path = join(directory, fileName);
    const epoch = sourceDateEpoch(ctx.env);
    const written = await convertToVhd(raw, path, { deterministic, ...(epoch !== undefined ? { sourceDateEpoch: epoch } : {}), ...(received.scan ? { scanned: received.scan } : {}) }, ctx.report);
    await rm(raw, { force: true });
    // Without a scan (a host export with other block sizes or out-of-order blocks) the one-pass writer ran: hash the file.
    ctx.output = { path, size: written.length, sha256: written.sha256 ?? (await sha256File(path)), virtualSize: written.currentSize };
    return `${path}: ${formatBytes(written.length)} (virtual ${formatBytes(written.currentSize)})${deterministic ? ', deterministic' : ''}`;
  },
};

/** How long the host's export task gets to report its outcome once the body has broken off. */
const TASK_GRACE_MS = 10_000;

/**
 * The body of /export_raw_vdi ends when the connection closes (no Content-Length, xapi.md §4.2),
 * so a connection dropped mid-stream reads as a VHD that ends early (the reader's `found: "EOF at
 * …"`) or as a socket error. It is a broken transfer, not a bad image; the host's task says
 * whether the host had finished sending (a host that wrote everything into its socket buffers
 * thinks it did).
 */
async function brokenExport(vdi: string, error: unknown, done: Promise<unknown>): Promise<IngotError> {
  const task = await Promise.race([
    done.then(() => 'succeeded' as const, (e: unknown) => `failed: ${(e as Error).message}`),
    new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), TASK_GRACE_MS).unref()),
  ]);
  const what = (error as Error).message;
  const truncated = !(error instanceof IngotError) || String(error.details?.found ?? '').startsWith('EOF');
  const taskSays =
    task === 'succeeded' ? 'the host\'s task says it sent everything, so the connection lost the rest'
    : task === 'pending' ? 'the host had not finished sending it'
    : `the host's export task ${task}`;
  const message = truncated
    ? `the export of VDI ${vdi} broke off: ${what}; ${taskSays}`
    : task === 'succeeded' ? `the host finished exporting VDI ${vdi}, but what arrived is not a valid VHD: ${what}`
    : `the export of VDI ${vdi} failed: ${what}; ${taskSays}`;
  return new IngotError('XAPI_ERROR', message, {
    hint: 'The partial download is deleted and the build VM and its disks are removed. Run the build again; if exports keep breaking off, check the network path to the host and its SR (xe task-list, /var/log/xensource.log on the host).',
    cause: error,
  });
}

export const checkStage: Stage<BuildContext> = {
  id: 'check',
  title: 'check the VHD',
  async run(ctx) {
    const output = need(ctx.output, 'the exported VHD');
    const result = await checkVhd(output.path);
    ctx.check = result;
    const errors = result.findings.filter((f) => f.severity === 'error');
    if (result.verdict !== 'pass') {
      throw new IngotError('BUILD_FAILED', `the exported VHD fails its check: ${errors.map((f) => `${f.rule}: ${f.found}`).join('; ') || result.verdict}`, {
        hint: `Run 'ingot check ${output.path}' for every finding with its fix. The file is kept for inspection.`,
      });
    }
    const warnings = result.findings.length - errors.length;
    return warnings === 0 ? 'passes every rule' : `passes, with ${warnings} warning(s)`;
  },
};

export async function writeBuildManifest(ctx: BuildContext, stages: StageTiming[]): Promise<string> {
  const output = need(ctx.output, 'the exported VHD');
  const finished = new Date();
  const source = ctx.recipe.source;
  const manifest: Manifest = {
    manifest_version: MANIFEST_VERSION,
    ingot: { version: ingotVersion(), node: process.version },
    build: { id: ctx.buildId, started: ctx.started.toISOString(), finished: finished.toISOString(), seconds: Math.round((finished.getTime() - ctx.started.getTime()) / 1000) },
    recipe: { name: ctx.recipe.name, path: ctx.recipe.file, digest: ctx.digest, variables: ctx.variables.values },
    source: {
      kind: source.kind,
      reference: source.kind === 'image' ? (source.url ?? source.path) : source.kind === 'template' ? source.template : source.vdi,
      ...(ctx.sourceDisk ? { uuid: ctx.sourceDisk.named.uuid, vdi_uuid: ctx.sourceDisk.record.uuid, virtual_size: Number(ctx.sourceDisk.record.virtual_size) } : {}),
      ...(ctx.disk && ctx.disk.method !== 'import' ? { method: ctx.disk.method } : {}),
      ...(ctx.image ? { sha256: ctx.image.sha256, format: ctx.image.format } : {}),
      ...(ctx.image?.checksum?.algorithm === 'sha512' ? { sha512: ctx.image.checksum.hex } : {}),
    },
    host: {
      url: ctx.config.xapi.url ?? '', product: ctx.host?.product ?? '', product_version: ctx.host?.productVersion ?? '',
      xapi: ctx.host?.xapi ?? '', api_version: ctx.host?.apiVersion ?? '',
    },
    stages,
    steps: ctx.steps.map((s) => ({ index: s.index, kind: s.kind, label: s.label, exit_status: s.exitCode, seconds: Math.round(s.durationMs / 100) / 10, last_lines: s.lastLines })),
    readiness: {
      target: ctx.recipe.readiness.target,
      ...(ctx.recipe.readiness.sshUser ? { ssh_user: ctx.recipe.readiness.sshUser } : {}),
      ...(ctx.readiness ? { waive: ctx.recipe.readiness.waive, system: ctx.readiness.system, report: ctx.readiness.report, build_identity: ctx.readiness.build_identity } : {}),
      ...(ctx.rehearsal ? { rehearsal: { id: ctx.rehearsal.id, ssh_user: ctx.rehearsal.ssh_user, hostname: ctx.rehearsal.hostname, seconds: ctx.rehearsal.seconds, checks: ctx.rehearsal.checks } } : {}),
    },
    output: { file: output.path, size: output.size, sha256: output.sha256, virtual_size: output.virtualSize, deterministic: ctx.recipe.output.deterministic },
    check: { verdict: ctx.check?.verdict ?? 'not run', findings: ctx.check?.findings ?? [] },
    push: ctx.recipe.push === undefined ? null : {
      rackspace: {
        region: ctx.recipe.push.rackspace.region, container: ctx.recipe.push.rackspace.container, image_name: ctx.recipe.push.rackspace.imageName,
        metadata: ctx.recipe.push.rackspace.metadata, segment_size: ctx.recipe.push.rackspace.segmentSizeBytes,
      },
      ...(ctx.pushResult ? { result: ctx.pushResult } : {}),
    },
  };
  const path = manifestPathFor(output.path);
  await writeManifest(path, manifest, ctx.redactor);
  return path;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

