// The rehearsal's stages: the exported VHD booted the way Rackspace boots an imported image
// (rackspace.md §4.1, §5.5): a fresh VDI from the VHD, an HVM VM, one NIC, a config drive
// (config-2) with a new key and the hostname, no NoCloud seed; then a login as ssh_user and the
// checks of checks.ts. Every object is tagged and on the cleanup stack the moment it exists.
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { IngotError } from '../../errors/index.js';
import { formatBytes } from '../../format.js';
import { createConfigDriveIso, fingerprint, generateEd25519 } from '../../guest/seed/index.js';
import { waitForGuest, type GuestSession, type HostKeyPolicy, type WaitOptions } from '../../guest/ssh/index.js';
import { connectXapi } from '../../xapi/client.js';
import { attachNic, chooseNetwork } from '../../xapi/network.js';
import { chooseSr } from '../../xapi/sr.js';
import { attachDisk, insertCd } from '../../xapi/vbd.js';
import { createVdi, destroyVdi, importIntoVdi } from '../../xapi/vdi.js';
import { configureVm, destroyVm, findTemplate, instantiate, startVm, stopVm } from '../../xapi/vm.js';
import type { Ref } from '../../xapi/types.generated.js';
import { bastionEndpoint } from '../build/bastion.js';
import { need } from '../build/context.js';
import { hintOnTimeout, startAndAwaitAddress } from '../guest-boot.js';
import type { Stage } from '../stages.js';
import { evaluate } from './checks.js';
import type { RehearseContext } from './context.js';
import { readGuestFacts } from './guest-facts.js';

const MINUTE = 60_000;

export const connectStage: Stage<RehearseContext> = {
  id: 'connect',
  title: 'connect to the XAPI host',
  skip: (ctx) => (ctx.xapi !== undefined ? 'the build\'s connection is reused' : undefined),
  async run(ctx, signal) {
    ctx.xapi = await connectXapi(ctx.config.xapi, { redactor: ctx.redactor, signal });
    return ctx.config.xapi.url;
  },
};

export const diskStage: Stage<RehearseContext> = {
  id: 'disk',
  title: 'import the VHD into a new VDI',
  async run(ctx) {
    const xapi = need(ctx.xapi, 'the XAPI connection');
    ctx.sr = await chooseSr(xapi, ctx.vm.sr, ctx.vhd.virtualSize);
    const vdi = await createVdi(xapi, {
      sr: ctx.sr.ref, virtualSize: ctx.vhd.virtualSize, nameLabel: `rehearsal of ${ctx.vhd.path.split('/').at(-1)} (ingot ${ctx.id})`,
      nameDescription: `ingot rehearse ${ctx.id}: the image as Rackspace would import it`, buildId: ctx.id,
    });
    ctx.cleanup.register(`VDI ${vdi} (rehearsal disk)`, () => destroyVdi(xapi, vdi));
    ctx.disk = vdi;
    // The file as it is, in the format Rackspace imports (rackspace.md §5): the host reads the VHD.
    await importIntoVdi(xapi, vdi, 'vhd', { length: ctx.vhd.length, stream: createReadStream(ctx.vhd.path, { highWaterMark: 1 << 20 }) }, ctx.report, 'import');
    return `${formatBytes(ctx.vhd.length)} VHD into a ${formatBytes(ctx.vhd.virtualSize)} VDI on "${ctx.sr.record.name_label}"`;
  },
};

export const vmStage: Stage<RehearseContext> = {
  id: 'vm',
  title: 'create the rehearsal VM',
  async run(ctx) {
    const xapi = need(ctx.xapi, 'the XAPI connection');
    const template = await findTemplate(xapi, ctx.vm.template);
    const vm = await instantiate(xapi, template.ref, `ingot rehearse ${ctx.id}`, ctx.id);
    ctx.cleanup.register(`VM ${vm} (rehearsal VM)`, () => destroyVm(xapi, vm));
    ctx.vmRef = vm;
    await configureVm(xapi, vm, {
      memoryBytes: ctx.vm.memoryBytes, vcpus: ctx.vm.vcpus, firmware: 'bios', bootOrder: 'c', platform: ctx.vm.platform,
      description: `ingot rehearse ${ctx.id}: boots the image the way Rackspace would`, tags: [],
    });
    await attachDisk(xapi, vm, need(ctx.disk, 'the rehearsal disk'));
    const network = await chooseNetwork(xapi, ctx.vm.network === 'default' ? undefined : ctx.vm.network);
    const vif = await attachNic(xapi, vm, network.ref, Number(network.record.MTU) || 1500);
    // XAPI fills in a MAC for MAC "" (xapi.md §3.2); network_data.json names the NIC by it.
    ctx.mac = (await xapi.call<string>('VIF.get_MAC', vif)).toLowerCase();
    return `from "${template.record.name_label}", BIOS HVM, NIC ${ctx.mac} on "${network.record.name_label}"`;
  },
};

export const configDriveStage: Stage<RehearseContext> = {
  id: 'config-drive',
  title: 'write the config drive and attach it',
  async run(ctx) {
    const xapi = need(ctx.xapi, 'the XAPI connection');
    const vm = need(ctx.vmRef, 'the rehearsal VM');
    ctx.key = generateEd25519(ctx.redactor, `ingot-rehearse@${ctx.id}`);
    const uuid = await xapi.call<string>('VM.get_uuid', vm);
    const iso = await createConfigDriveIso({
      uuid, hostname: ctx.hostname, publicKeys: { 'ingot-rehearse': ctx.key.publicKey },
      // DHCP: the addresses are the host network's, not Rackspace's static ones (docs/rehearse.md).
      network: { interfaces: [{ mac: need(ctx.mac, 'the NIC MAC'), ipv4: 'dhcp' }] },
    });
    const vdi = await createVdi(xapi, {
      sr: need(ctx.sr, 'the SR').ref, virtualSize: iso.length, nameLabel: `config-2 (ingot rehearse ${ctx.id})`,
      nameDescription: 'OpenStack config drive written by ingot rehearse', buildId: ctx.id,
    });
    ctx.cleanup.register(`VDI ${vdi} (config drive)`, () => destroyVdi(xapi, vdi));
    await importIntoVdi(xapi, vdi, 'raw', iso, ctx.report, 'config-drive');
    await insertCd(xapi, vm, vdi);
    return `config-2 ISO (${iso.length} bytes): hostname ${ctx.hostname}, key ${fingerprint(ctx.key.publicKey)}, network_data.json for ${ctx.mac}`;
  },
};

export const bootStage: Stage<RehearseContext> = {
  id: 'boot',
  title: 'boot and log in as the image\'s user',
  async run(ctx, signal) {
    const xapi = need(ctx.xapi, 'the XAPI connection');
    const vm = need(ctx.vmRef, 'the rehearsal VM');
    const key = need(ctx.key, 'the config-drive key');
    const deadline = Date.now() + ctx.readyTimeoutMs;
    const address = await hintOnTimeout(startAndAwaitAddress(xapi, vm, ctx.cleanup, { timeoutMs: ctx.readyTimeoutMs, ipv4GraceMs: 2 * MINUTE, signal }), 'XAPI_TIMEOUT', ctx.timeoutFix);
    ctx.address = address;
    ctx.report({ event: 'log', level: 'info', message: `rehearsal guest address ${address}` });
    const bastion = ctx.config.xapi.bastion;
    const wait: WaitOptions = {
      host: address, port: 22, username: ctx.sshUser, privateKey: key.privateKey, hostKey: hostKeyPolicy(ctx),
      ...(bastion ? { bastion: await bastionEndpoint(bastion, ctx.env, ctx.redactor) } : {}),
      deadlineMs: deadline - Date.now(), cloudInit: 'wait', signal, report: ctx.report, redactor: ctx.redactor,
    };
    ctx.session = await hintOnTimeout(login(wait, deadline, ctx), 'GUEST_UNREACHABLE', ctx.timeoutFix);
    return `${ctx.sshUser}@${address}, host key ${ctx.presentedHostKey}`;
  },
};

export const verifyStage: Stage<RehearseContext> = {
  id: 'verify',
  title: 'check the first boot',
  async run(ctx, signal) {
    const session = need(ctx.session, 'the guest session');
    const facts = await readGuestFacts(session, ctx.buildUser, need(ctx.presentedHostKey, 'the presented host key'), signal);
    session.close();
    const checks = evaluate(facts, { sshUser: ctx.sshUser, hostname: ctx.hostname, buildUser: ctx.buildUser, ...(ctx.identity ? { identity: ctx.identity } : {}) });
    ctx.checks = checks;
    for (const c of checks) ctx.report({ event: 'log', level: c.ok ? 'info' : 'warn', message: `${c.ok ? 'ok' : 'FAILED'} ${c.id}: ${c.evidence}` });
    const failed = checks.filter((c) => !c.ok);
    if (failed.length > 0) {
      throw new IngotError('REHEARSAL_FAILED', `the image did not boot as a Rackspace server should: ${failed.map((c) => `${c.id} (${c.evidence})`).join('; ')}`, {
        hint: 'Build it with readiness.target: rackspace, which prepares exactly these; docs/rehearse.md says what each check means. --keep leaves the VM up to look.',
        details: { checks },
      });
    }
    return `${checks.length} checks passed`;
  },
};

export const cleanupStage: Stage<RehearseContext> = {
  id: 'cleanup',
  title: 'remove the rehearsal VM and its disks',
  async run(ctx) {
    if (ctx.keep) return `--keep: left on the host: ${ctx.cleanup.labels().join('; ')}; remove with: ingot clean --build ${ctx.id}`;
    const count = ctx.cleanup.size;
    const failures = await ctx.cleanup.unwind(ctx.report);
    return failures.length === 0 ? `${count} object(s) removed` : `${count - failures.length} removed, ${failures.length} left (ingot clean --build ${ctx.id})`;
  },
};

export const REHEARSE_STAGES: ReadonlyArray<Stage<RehearseContext>> = [connectStage, diskStage, vmStage, configDriveStage, bootStage, verifyStage, cleanupStage];

/**
 * A Rackspace server makes its own host keys at first boot, so there is nothing to pin. Accepted:
 * any key that is none of the build guest's (a build key here means the image kept them, which is
 * itself the failure); verifyStage then confirms the key is one of the guest's own key files
 * (docs/decisions.md "rehearse: host key trust").
 */
function hostKeyPolicy(ctx: RehearseContext): HostKeyPolicy {
  const build = new Set(ctx.identity?.host_key_fingerprints ?? []);
  return {
    accept(presented) {
      if (build.has(presented)) {
        return new IngotError('REHEARSAL_FAILED', `the rehearsal guest presented the build's SSH host key ${presented}: the image still carries the host keys of the guest it was built in, so every server made from it would share them`, {
          hint: 'Build with readiness.target: rackspace (it removes the host keys so cloud-init makes new ones at first boot).',
          details: { kind: 'hostkey', check: { id: 'host_keys_fresh', ok: false, evidence: `presented ${presented}, one of the build's` } },
        });
      }
      ctx.presentedHostKey = presented;
      return undefined;
    },
  };
}

/**
 * waitForGuest with two additions. A refused key is retried a few times: on a first boot sshd can
 * come up a moment before cloud-init has written ssh_user's authorized_keys. And a cloud-init that
 * finished with errors is not the end: rehearse logs in once more to gather the evidence.
 */
async function login(wait: WaitOptions, deadline: number, ctx: RehearseContext): Promise<GuestSession> {
  let refusals = 0;
  for (;;) {
    try {
      return await waitForGuest({ ...wait, deadlineMs: Math.max(1_000, deadline - Date.now()) });
    } catch (error) {
      const code = (error as IngotError).code;
      if (code === 'GUEST_NOT_READY') {
        ctx.report({ event: 'log', level: 'warn', message: `cloud-init did not finish cleanly; logging in again to collect the evidence` });
        return waitForGuest({ ...wait, cloudInit: 'skip', deadlineMs: 2 * MINUTE });
      }
      if (code !== 'GUEST_AUTH_FAILED' || refusals >= 5 || Date.now() > deadline - 10_000 || wait.signal?.aborted) {
        if (code === 'GUEST_AUTH_FAILED') {
          throw new IngotError('REHEARSAL_FAILED', `${ctx.sshUser}@${ctx.address} refused the config-drive key ${refusals + 1} time(s): the image did not install the config drive's public key for ${ctx.sshUser}`, {
            hint: `The image's cloud-init must read the ConfigDrive datasource and have ${ctx.sshUser} as its default user (readiness.target: rackspace does both); --ssh-user names another user. --keep leaves the VM for a look at its console.`,
            cause: error, details: { check: { id: 'login', ok: false, evidence: `key refused ${refusals + 1} time(s)` } },
          });
        }
        throw error;
      }
      refusals += 1;
      ctx.report({ event: 'log', level: 'debug', message: `ssh: ${ctx.sshUser} refused the key (attempt ${refusals}); cloud-init may not have installed it yet` });
      await sleep(10_000, undefined, wait.signal ? { signal: wait.signal } : {});
    }
  }
}
