// Stages that work on the host before the guest exists: resolve, connect, storage, disk, vm.
import { join } from 'node:path';
import { IngotError } from '../../errors/index.js';
import { formatBytes } from '../../format.js';
import { formatSize } from '../../recipe/index.js';
import { vhdStreamFromFile } from '../../vhd/index.js';
import { qemuToRaw } from '../../vhd/input-format.js';
import { connectXapi } from '../../xapi/client.js';
import { hostVersions } from '../../xapi/host.js';
import { attachNic, chooseNetwork } from '../../xapi/network.js';
import { chooseSr } from '../../xapi/sr.js';
import { attachDisk } from '../../xapi/vbd.js';
import { findTemplateDisk, findVdi, cloneOnto, markAsBuildDisk } from '../../xapi/source-disk.js';
import { createVdi, destroyVdi, getVdi, importIntoVdi, resizeVdi } from '../../xapi/vdi.js';
import { configureVm, destroyVm, findTemplate, instantiate } from '../../xapi/vm.js';
import type { Ref } from '../../xapi/types.generated.js';
import type { Stage } from '../stages.js';
import { resolveImage } from '../source.js';
import { need, type BuildContext } from './context.js';

export const resolveStage: Stage<BuildContext> = {
  id: 'resolve',
  title: 'resolve the source image',
  async run(ctx, signal) {
    const source = ctx.recipe.source;
    // A template's or a VDI's disk is on the host already: the storage stage finds it once connected.
    if (source.kind === 'template') return `template or VM "${source.template}" on the host: nothing to download`;
    if (source.kind === 'vdi') return `VDI "${source.vdi}" on the host: nothing to download`;
    ctx.image = await resolveImage(source, { env: ctx.env, report: ctx.report, signal });
    return `${ctx.image.format} ${formatBytes(ctx.image.bytes)}, sha256 ${ctx.image.sha256.slice(0, 16)}…${ctx.image.cached ? ' (cached)' : ''}`;
  },
};

export const connectStage: Stage<BuildContext> = {
  id: 'connect',
  title: 'connect to the XAPI host',
  async run(ctx, signal) {
    ctx.xapi = await connectXapi(ctx.config.xapi, { redactor: ctx.redactor, signal });
    ctx.host = await hostVersions(ctx.xapi);
    return `${ctx.host.hostName}: ${ctx.host.product} ${ctx.host.productVersion}, API ${ctx.host.apiVersion}`;
  },
};

export const storageStage: Stage<BuildContext> = {
  id: 'storage',
  title: 'choose a thin SR',
  async run(ctx) {
    const xapi = need(ctx.xapi, 'the XAPI connection');
    const source = ctx.recipe.source;
    let want: number;
    let found = '';
    if (source.kind === 'image') {
      want = ctx.recipe.vm.diskBytes ?? need(ctx.image, 'the source image').bytes;
    } else {
      // Found (and refused: missing, ambiguous, diskless, in use, larger than vm.disk) before anything is created.
      const disk = source.kind === 'template' ? await findTemplateDisk(xapi, source.template) : await findVdi(xapi, source.vdi);
      const size = Number(disk.record.virtual_size);
      const wanted = ctx.recipe.vm.diskBytes;
      if (wanted !== undefined && wanted < size) {
        throw new IngotError('XAPI_SOURCE_UNSUITABLE', `vm.disk is ${formatSize(wanted)} but the source disk (${disk.note}) is ${formatSize(size)}: ingot never shrinks a disk`, {
          hint: `Set vm.disk to at least ${formatSize(size)}, or remove it to keep the source disk's size.`,
        });
      }
      ctx.sourceDisk = disk;
      want = Math.max(size, wanted ?? 0);
      found = `source: ${disk.note} (${disk.record.uuid}, ${formatSize(size)}); `;
    }
    ctx.sr = await chooseSr(xapi, ctx.recipe.vm.sr, want);
    return `${found}"${ctx.sr.record.name_label}" (${ctx.sr.record.type}: ${ctx.sr.reason})`;
  },
};

export const diskStage: Stage<BuildContext> = {
  id: 'disk',
  title: 'import the source disk into a new VDI',
  async run(ctx, signal) {
    return ctx.recipe.source.kind === 'image' ? importDisk(ctx, signal) : cloneDisk(ctx);
  },
};

async function importDisk(ctx: BuildContext, signal: AbortSignal): Promise<string> {
  const xapi = need(ctx.xapi, 'the XAPI connection');
  const image = need(ctx.image, 'the source image');
  let raw = image.path;
  if (image.format !== 'raw') {
    raw = join(ctx.workDir, 'source.raw');
    await qemuToRaw(image.path, image.format === 'vhd' ? 'vpc' : image.format, raw, signal, ctx.report);
  }
  // The host's import handler needs Content-Length: the VHD's exact length is known up front.
  // Progress is reported once, by the upload (the writer's own would count the same bytes again).
  // A raw image's pass 1 was taken while the resolve stage hashed it: the import reads it only once more.
  const scanned = image.format === 'raw' ? image.scan : undefined;
  const vhd = await vhdStreamFromFile(raw, { deterministic: false, signal, ...(scanned ? { scanned } : {}) });
  const virtualSize = Math.max(vhd.currentSize, ctx.recipe.vm.diskBytes ?? 0);
  const vdi = await createVdi(xapi, {
    sr: need(ctx.sr, 'the SR').ref, virtualSize, nameLabel: buildDiskName(ctx), nameDescription: buildDiskDescription(ctx), buildId: ctx.buildId,
  });
  ctx.cleanup.register(`VDI ${vdi} (build disk)`, () => destroyVdi(xapi, vdi));
  ctx.disk = { vdi, virtualSize, method: 'import' };
  await importIntoVdi(xapi, vdi, 'vhd', vhd, ctx.report, 'import');
  return `${formatSize(virtualSize)} VDI, ${formatBytes(vhd.length)} sent as VHD`;
}

/** source.template / source.vdi: a clone (same SR) or copy of the source disk, grown to vm.disk. The source is only read. */
async function cloneDisk(ctx: BuildContext): Promise<string> {
  const xapi = need(ctx.xapi, 'the XAPI connection');
  const source = need(ctx.sourceDisk, 'the source disk');
  const { ref: vdi, method } = await cloneOnto(xapi, source, need(ctx.sr, 'the SR').ref);
  ctx.cleanup.register(`VDI ${vdi} (build disk)`, () => destroyVdi(xapi, vdi));
  await markAsBuildDisk(xapi, vdi, { nameLabel: buildDiskName(ctx), nameDescription: buildDiskDescription(ctx) }, ctx.buildId);
  const sourceSize = Number(source.record.virtual_size);
  const wanted = ctx.recipe.vm.diskBytes;
  if (wanted !== undefined && wanted > sourceSize) await resizeVdi(xapi, vdi, wanted);
  const virtualSize = Number((await getVdi(xapi, vdi)).virtual_size);
  ctx.disk = { vdi, virtualSize, method };
  return `${method} of ${source.note}: ${formatSize(virtualSize)} VDI${virtualSize > sourceSize ? ` (grown from ${formatSize(sourceSize)})` : ''}`;
}

const buildDiskName = (ctx: BuildContext): string => `${ctx.recipe.name} (ingot build ${ctx.buildId})`;
const buildDiskDescription = (ctx: BuildContext): string => `ingot build disk for recipe ${ctx.recipe.name}`;

export const vmStage: Stage<BuildContext> = {
  id: 'vm',
  title: 'create the build VM',
  async run(ctx) {
    const xapi = need(ctx.xapi, 'the XAPI connection');
    const { recipe } = ctx;
    const template = await findTemplate(xapi, recipe.vm.template);
    const vm = await instantiate(xapi, template.ref, `ingot ${recipe.name} ${ctx.buildId}`, ctx.buildId);
    ctx.cleanup.register(`VM ${vm} (build VM)`, () => destroyVm(xapi, vm));
    ctx.vm = vm;
    await configureVm(xapi, vm, {
      memoryBytes: recipe.vm.memoryBytes, vcpus: recipe.vm.vcpus, firmware: recipe.vm.firmware, bootOrder: recipe.vm.bootOrder,
      platform: recipe.vm.platform, description: `ingot build ${ctx.buildId} of recipe ${recipe.name}`, tags: recipe.vm.tags,
    });
    await attachDisk(xapi, vm, need(ctx.disk, 'the build disk').vdi);
    const network = await chooseNetwork(xapi, recipe.vm.network === 'default' ? undefined : recipe.vm.network);
    await attachNic(xapi, vm, network.ref as Ref<'network'>, Number(network.record.MTU) || 1500);
    return `from "${template.record.name_label}", ${recipe.vm.vcpus} vCPU, ${formatSize(recipe.vm.memoryBytes)}, ${recipe.vm.firmware}, NIC on "${network.record.name_label}"`;
  },
};
