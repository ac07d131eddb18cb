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
import { createVdi, destroyVdi, importIntoVdi } from '../../xapi/vdi.js';
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
    if (source.kind !== 'image') {
      // Cloning a template's or a VDI's disk is part of the recipe language but not of the build yet.
      throw new IngotError('NOT_IMPLEMENTED', `building from source.${source.kind} is not built yet`, {
        hint: 'Use source.image (a path or a url with its checksum) for now.',
      });
    }
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
    const want = ctx.recipe.vm.diskBytes ?? need(ctx.image, 'the source image').bytes;
    ctx.sr = await chooseSr(need(ctx.xapi, 'the XAPI connection'), ctx.recipe.vm.sr, want);
    return `"${ctx.sr.record.name_label}" (${ctx.sr.record.type}: ${ctx.sr.reason})`;
  },
};

export const diskStage: Stage<BuildContext> = {
  id: 'disk',
  title: 'import the source disk into a new VDI',
  async run(ctx, signal) {
    const xapi = need(ctx.xapi, 'the XAPI connection');
    const image = need(ctx.image, 'the source image');
    let raw = image.path;
    if (image.format !== 'raw') {
      raw = join(ctx.workDir, 'source.raw');
      await qemuToRaw(image.path, image.format === 'vhd' ? 'vpc' : image.format, raw, signal, ctx.report);
    }
    // The host's import handler needs Content-Length: the VHD's exact length is known up front.
    // Progress is reported once, by the upload (the writer's own would count the same bytes again).
    const vhd = await vhdStreamFromFile(raw, { deterministic: false, signal });
    const virtualSize = Math.max(vhd.currentSize, ctx.recipe.vm.diskBytes ?? 0);
    const vdi = await createVdi(xapi, {
      sr: need(ctx.sr, 'the SR').ref, virtualSize, nameLabel: `${ctx.recipe.name} (ingot build ${ctx.buildId})`,
      nameDescription: `ingot build disk for recipe ${ctx.recipe.name}`, buildId: ctx.buildId,
    });
    ctx.cleanup.register(`VDI ${vdi} (build disk)`, () => destroyVdi(xapi, vdi));
    ctx.disk = { vdi, virtualSize };
    await importIntoVdi(xapi, vdi, 'vhd', vhd, ctx.report, 'import');
    return `${formatSize(virtualSize)} VDI, ${formatBytes(vhd.length)} sent as VHD`;
  },
};

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
