// The optional rehearse stage (`ingot build --rehearse`): after the VHD is exported and checked and
// the build VM is gone, boot the file the way Rackspace would and check its first boot
// (docs/rehearse.md). Its objects carry the build's id; its result goes into the manifest.
import { randomBytes } from 'node:crypto';
import { fingerprint } from '../../guest/seed/index.js';
import { formatDuration } from '../../recipe/index.js';
import { runRehearsal, type BuildIdentity } from '../rehearse/index.js';
import type { Stage } from '../stages.js';
import { need, type BuildContext } from './context.js';

export const rehearseStage: Stage<BuildContext> = {
  id: 'rehearse',
  title: 'boot the VHD as Rackspace would and check its first boot',
  skip: (ctx) => (ctx.rehearse === true ? undefined : 'no --rehearse'),
  async run(ctx, signal) {
    const output = need(ctx.output, 'the exported VHD');
    const sshUser = need(ctx.recipe.readiness.sshUser, 'readiness.ssh_user (checked before the build starts)');
    const { recipe } = ctx;
    const result = await runRehearsal({
      vhd: { path: output.path, length: output.size, virtualSize: output.virtualSize },
      sshUser, hostname: `rehearsal-${randomBytes(2).toString('hex')}`, buildUser: need(ctx.access, 'the build access').user,
      identity: buildIdentity(ctx),
      vm: { template: recipe.vm.template, memoryBytes: recipe.vm.memoryBytes, vcpus: recipe.vm.vcpus, platform: recipe.vm.platform, network: recipe.vm.network, sr: recipe.vm.sr },
      config: ctx.config, redactor: ctx.redactor, report: ctx.report, env: ctx.env, id: ctx.buildId, keep: ctx.keep,
      readyTimeoutMs: (recipe.timeouts.guestAddressSeconds + recipe.timeouts.sshSeconds) * 1000,
      timeoutFix: `raise timeouts.guest_address or timeouts.ssh in the recipe (the rehearsal may take their sum, now ${formatDuration(recipe.timeouts.guestAddressSeconds + recipe.timeouts.sshSeconds)})`,
      xapi: need(ctx.xapi, 'the XAPI connection'), signal, nested: true,
    });
    ctx.rehearsal = result;
    return `${result.checks.length} checks passed as ${result.ssh_user}@${result.address} in ${result.seconds} s`;
  },
};

/**
 * What the new server must not share with the build guest: the readiness stage's record, plus the
 * host key ingot seeded for the build (known here even with readiness target none).
 */
function buildIdentity(ctx: BuildContext): BuildIdentity {
  const recorded = ctx.readiness?.build_identity;
  const seeded = ctx.access === undefined ? [] : [fingerprint(ctx.access.hostKey.publicKey)];
  return {
    host_key_fingerprints: [...new Set([...(recorded?.host_key_fingerprints ?? []), ...seeded])],
    ...(recorded?.hostname ? { hostname: recorded.hostname } : {}),
    ...(recorded?.machine_id_sha256 ? { machine_id_sha256: recorded.machine_id_sha256 } : {}),
  };
}
