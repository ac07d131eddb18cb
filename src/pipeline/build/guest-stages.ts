// Stages that involve the guest: seed, boot, provision, readiness, shutdown.
import { readFile } from 'node:fs/promises';
import { createNoCloudIso, DEFAULT_BUILD_USER, fingerprint, generateBuildKey, generateHostKey, mergeUserData, renderCloudConfig } from '../../guest/seed/index.js';
import { poweroffGuest, runSteps, waitForGuest, type ProvisionStep as SshStep, type WaitOptions } from '../../guest/ssh/index.js';
import { IngotError } from '../../errors/index.js';
import { runReadiness } from '../../guest/readiness/index.js';
import { formatDuration, type ProvisionStep } from '../../recipe/index.js';
import { ejectCd, insertCd } from '../../xapi/vbd.js';
import { createVdi, destroyVdi, importIntoVdi } from '../../xapi/vdi.js';
import { startVm, stopVm, waitForHalted } from '../../xapi/vm.js';
import { hintOnTimeout, startAndAwaitAddress } from '../guest-boot.js';
import type { Stage } from '../stages.js';
import { bastionEndpoint } from './bastion.js';
import { need, type BuildContext } from './context.js';

const MINUTE = 60_000;

export const seedStage: Stage<BuildContext> = {
  id: 'seed',
  title: 'write the cloud-init seed and attach it',
  async run(ctx) {
    const xapi = need(ctx.xapi, 'the XAPI connection');
    const vm = need(ctx.vm, 'the build VM');
    const buildKey = generateBuildKey(ctx.redactor, ctx.buildId);
    const hostKey = generateHostKey(ctx.redactor, ctx.buildId);
    ctx.access = { user: DEFAULT_BUILD_USER, buildKey, hostKey };
    const ci = ctx.recipe.cloudInit;
    const recipeUserData = ci === undefined ? undefined : ci.kind === 'file' ? await readFile(ci.path, 'utf8') : ci.userData;
    const userData = mergeUserData(recipeUserData, { user: DEFAULT_BUILD_USER, buildPublicKey: buildKey.publicKey, hostKey }, ctx.report);
    const iso = await createNoCloudIso({ instanceId: `ingot-${ctx.buildId}`, hostname: ctx.recipe.name, userData: renderCloudConfig(userData) });
    const vdi = await createVdi(xapi, {
      sr: need(ctx.sr, 'the SR').ref, virtualSize: iso.length, nameLabel: `cidata (ingot build ${ctx.buildId})`,
      nameDescription: 'NoCloud seed written by ingot', buildId: ctx.buildId, readOnly: false,
    });
    ctx.cleanup.register(`VDI ${vdi} (seed ISO)`, () => destroyVdi(xapi, vdi));
    await importIntoVdi(xapi, vdi, 'raw', iso, ctx.report, 'seed');
    const cd = await insertCd(xapi, vm, vdi);
    ctx.seed = { vdi, ...cd };
    return `NoCloud ISO (${iso.length} bytes) in the CD drive; build user ${DEFAULT_BUILD_USER}, host key ${fingerprint(hostKey.publicKey)}`;
  },
};

export const bootStage: Stage<BuildContext> = {
  id: 'boot',
  title: 'boot the VM and reach it over SSH',
  async run(ctx, signal) {
    const xapi = need(ctx.xapi, 'the XAPI connection');
    const vm = need(ctx.vm, 'the build VM');
    const access = need(ctx.access, 'the build access');
    const { guestAddressSeconds, sshSeconds } = ctx.recipe.timeouts;
    const address = await hintOnTimeout(
      startAndAwaitAddress(xapi, vm, ctx.cleanup, { timeoutMs: guestAddressSeconds * 1000, ipv4GraceMs: Math.min(2 * MINUTE, guestAddressSeconds * 500), signal }),
      'XAPI_TIMEOUT', `raise timeouts.guest_address in the recipe (now ${formatDuration(guestAddressSeconds)})`,
    );
    ctx.report({ event: 'log', level: 'info', message: `guest address ${address}` });
    const bastion = ctx.config.xapi.bastion;
    const wait: WaitOptions = {
      host: address, port: 22, username: access.user, privateKey: access.buildKey.privateKey, hostKey: access.hostKey.publicKey,
      ...(bastion ? { bastion: await bastionEndpoint(bastion, ctx.env, ctx.redactor) } : {}),
      deadlineMs: sshSeconds * 1000, cloudInit: 'wait', signal, report: ctx.report, redactor: ctx.redactor,
    };
    const session = await hintOnTimeout(waitForGuest(wait), 'GUEST_UNREACHABLE', `raise timeouts.ssh in the recipe (now ${formatDuration(sshSeconds)})`);
    ctx.guest = { address, session, wait };
    return `SSH to ${access.user}@${address} with the pinned host key; cloud-init finished`;
  },
};

export const provisionStage: Stage<BuildContext> = {
  id: 'provision',
  title: 'run the provisioning steps',
  skip: (ctx) => (ctx.recipe.provision.length === 0 ? 'the recipe has no provision steps' : undefined),
  async run(ctx, signal) {
    const guest = need(ctx.guest, 'the guest connection');
    const link = { session: guest.session, wait: guest.wait };
    await runSteps(link, ctx.recipe.provision.map(toSshStep), { report: ctx.report, signal, onResult: (r) => ctx.steps.push(r) });
    guest.session = link.session; // a reboot step replaces the connection
    return `${ctx.steps.length} step(s) passed`;
  },
};

export const readinessStage: Stage<BuildContext> = {
  id: 'readiness',
  title: 'prepare the image for its target',
  skip: (ctx) => (ctx.recipe.readiness.target === 'none' ? 'readiness target none' : undefined),
  async run(ctx, signal) {
    const guest = need(ctx.guest, 'the guest connection');
    const access = need(ctx.access, 'the build access');
    const sshUser = need(ctx.recipe.readiness.sshUser, 'readiness.ssh_user (required by the recipe rules for target rackspace)');
    ctx.readiness = await runReadiness(guest.session, {
      target: 'rackspace', sshUser, buildUser: access.user, buildPublicKey: access.buildKey.publicKey,
      waive: ctx.recipe.readiness.waive, signal, report: ctx.report,
    });
    const failedWaived = ctx.readiness.report.filter((item) => !item.ok).map((item) => item.id);
    for (const id of failedWaived) ctx.report({ event: 'log', level: 'warn', message: `readiness item ${id} failed and is waived by the recipe: ${ctx.readiness.report.find((i) => i.id === id)?.evidence ?? ''}` });
    const passed = ctx.readiness.report.length - failedWaived.length;
    return `${ctx.readiness.system}: ${passed}/${ctx.readiness.report.length} probe items passed${failedWaived.length > 0 ? `, waived: ${failedWaived.join(', ')}` : ''}; power-off scheduled`;
  },
};

export const shutdownStage: Stage<BuildContext> = {
  id: 'shutdown',
  title: 'power the guest off',
  async run(ctx, signal) {
    const xapi = need(ctx.xapi, 'the XAPI connection');
    const vm = need(ctx.vm, 'the build VM');
    const guest = need(ctx.guest, 'the guest connection');
    const seconds = ctx.recipe.timeouts.shutdownSeconds;
    try {
      // The readiness stage's root process already scheduled the power-off: its build user and
      // sudo rule are gone, so asking again from the guest would fail. Only wait for Halted.
      if (ctx.readiness?.poweroffScheduled === true) {
        await waitForHalted(xapi, vm, seconds * 1000, signal);
        return 'the guest powered itself off after the readiness stage';
      }
      await poweroffGuest(guest.session, { signal });
      await waitForHalted(xapi, vm, seconds * 1000, signal);
      return 'the guest powered itself off';
    } catch (error) {
      if (signal.aborted) throw error;
      const raise = (error as IngotError).code === 'XAPI_TIMEOUT' ? ` (if the guest needs longer, raise timeouts.shutdown, now ${formatDuration(seconds)})` : '';
      ctx.report({ event: 'log', level: 'warn', message: `guest poweroff did not finish (${(error as Error).message})${raise}; shutting the VM down from the host` });
      return `stopped from the host (${await stopVm(xapi, vm, 2 * MINUTE, signal)} shutdown)`;
    } finally {
      guest.session.close();
    }
  },
};

export const detachSeed = async (ctx: BuildContext): Promise<void> => {
  const seed = ctx.seed;
  if (seed === undefined || ctx.xapi === undefined) return;
  await ejectCd(ctx.xapi, seed.vbd);
};

function toSshStep(step: ProvisionStep, index: number): SshStep {
  const label = `${step.kind} ${index + 1}`;
  const timeoutSec = step.timeoutSeconds;
  switch (step.kind) {
    case 'shell':
      return { kind: 'shell', label, run: step.command, env: step.env, timeoutSec };
    case 'script':
      return { kind: 'script', label, path: step.path, env: step.env, timeoutSec };
    case 'upload':
      return { kind: 'upload', label, source: step.src, destination: step.dest, ...(step.mode ? { mode: parseInt(step.mode, 8) } : {}), ...(step.owner ? { owner: step.owner } : {}) };
    case 'reboot':
      return { kind: 'reboot', label, downTimeoutSec: timeoutSec };
  }
}
