// ingot rehearse through the real CLI against the lab host with the fake hypervisor (its guest
// reports an address but runs no sshd): bad input refused before any host is touched, what is
// attached to the VM (a config-2 drive for the VIF's MAC, no NoCloud seed), and that a failure or
// SIGTERM mid-rehearsal leaves nothing on the host while --keep leaves it for ingot clean.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertToVhd } from '../../../src/vhd/index.js';
import { isoinfoDescribe, isoinfoExtract } from '../../support/guest-iso/iso-tools.js';
import { PASSWORD, startTestLab, USER, type TestLab } from '../../support/lab/lab.js';
import { BIN, runCli } from '../../support/run-cli.js';

let lab: TestLab;
let dir: string;
let vhd: string;
let env: Record<string, string>;

const marked = (cls: 'VM' | 'VDI') => lab.lab.db.all(cls).filter(([, r]) => (r.other_config as Record<string, string> | undefined)?.['ingot:build'] !== undefined);

beforeAll(async () => {
  lab = await startTestLab();
  dir = await mkdtemp(join(tmpdir(), 'ingot-rehearse-'));
  const raw = join(dir, 'disk.raw');
  await writeFile(raw, Buffer.concat([randomBytes(65536), Buffer.alloc(4 * 1024 * 1024), randomBytes(4096)]));
  vhd = join(dir, 'image.vhd');
  await convertToVhd(raw, vhd, { deterministic: true });
  await writeFile(join(dir, 'password'), PASSWORD);
  env = { HOME: dir, INGOT_XAPI_URL: lab.url, INGOT_XAPI_USERNAME: USER, INGOT_XAPI_PASSWORD_FILE: join(dir, 'password'), INGOT_XAPI_FINGERPRINT: lab.fingerprint! };
});
afterAll(async () => {
  await lab?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('ingot rehearse refuses bad input before touching the host', () => {
  it('a file that is not a VHD: exit 2 and nothing created', async () => {
    const notVhd = join(dir, 'notes.vhd');
    await writeFile(notVhd, 'just some text, no footer\n'.repeat(100));
    const r = await runCli(['rehearse', notVhd, '--ssh-user', 'debian'], { env });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error[INPUT_UNREADABLE]');
    expect(r.stderr).toContain('is not a readable VHD');
    expect(marked('VDI')).toEqual([]);
  });

  it('no ssh_user on the command line nor in a manifest: exit 2 with the fix', async () => {
    const r = await runCli(['rehearse', vhd], { env });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no ssh_user for');
    expect(r.stderr).toMatch(/hint: .*--ssh-user/);
  });

  it('a manifest that names no ssh_user: exit 2, and the hint names the manifest', async () => {
    const manifest = join(dir, 'other.manifest.json');
    await writeFile(manifest, JSON.stringify({ readiness: { target: 'none' } }));
    const r = await runCli(['rehearse', vhd, '--manifest', manifest], { env });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(manifest);
  });

  it('a --manifest that does not exist: exit 2', async () => {
    const r = await runCli(['rehearse', vhd, '--manifest', join(dir, 'missing.json'), '--ssh-user', 'debian'], { env });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('cannot read the manifest');
  });

  it('ingot build --rehearse with a recipe that names no readiness.ssh_user: exit 2 before any stage', async () => {
    const recipe = join(dir, 'no-user.yaml');
    await writeFile(recipe, ['name: no-user', 'source:', '  image:', '    path: disk.raw', 'readiness:', '  target: none', 'output:', '  directory: out', ''].join('\n'));
    const r = await runCli(['build', recipe, '--rehearse'], { env });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--rehearse: recipe');
    expect(r.stderr).toContain('no readiness.ssh_user');
    expect(r.stdout).not.toContain('resolve');
    expect(marked('VDI')).toEqual([]);
  });
});

describe('ingot rehearse on the host', () => {
  it('fails when the guest never answers SSH, exits 4 with what to raise, and leaves nothing on the host', { timeout: 120_000 }, async () => {
    // ssh_user comes from the manifest beside the VHD.
    await writeFile(join(dir, 'image.manifest.json'), JSON.stringify({ readiness: { target: 'rackspace', ssh_user: 'debian' } }));
    const r = await runCli(['rehearse', vhd, '--timeout', '15s'], { env, timeout: 110_000 });
    expect(r.status).toBe(4);
    expect(r.stdout).toMatch(/✔ import the VHD into a new VDI/);
    expect(r.stdout).toMatch(/✔ write the config drive and attach it/);
    expect(r.stdout).toMatch(/✖ boot and log in/);
    expect(r.stderr).toContain('error[GUEST_UNREACHABLE]');
    expect(r.stderr).toContain('debian@127.77.');
    expect(r.stderr).toContain('If the guest is only slow, raise --timeout (now 15s)');
    expect(marked('VM')).toEqual([]);
    expect(marked('VDI')).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('with --keep leaves the VM with a config-2 drive for its NIC (no NoCloud), says how to remove it, and ingot clean does', { timeout: 200_000 }, async () => {
    const r = await runCli(['rehearse', vhd, '--ssh-user', 'debian', '--hostname', 'rehearsal-test', '--timeout', '10s', '--keep'], { env, timeout: 110_000 });
    expect(r.status).toBe(4);
    const id = /ingot clean --build (rehearse-\d{8}-\d{6}-[0-9a-f]{4})/.exec(r.stderr)?.[1];
    expect(id, r.stderr).toBeDefined();
    expect(marked('VM')).toHaveLength(1);
    expect(marked('VDI')).toHaveLength(2);

    const vmUuid = marked('VM')[0]![1].uuid as string;
    const guest = lab.hypervisor.guestOf(vmUuid)!;
    expect(guest.spec.firmware).toBe('bios');
    const cds = guest.spec.disks.filter((d) => d.kind === 'cdrom');
    expect(cds).toHaveLength(1);
    const iso = cds[0]!.path;
    expect(isoinfoDescribe(iso)).toMatch(/Volume id:\s+config-2/);
    const network = JSON.parse(isoinfoExtract(iso, '/openstack/latest/network_data.json', 'R').toString()) as { links: Array<{ ethernet_mac_address: string }>; networks: Array<{ type: string }> };
    expect(network.links.map((l) => l.ethernet_mac_address)).toEqual([guest.spec.nics[0]!.mac.toLowerCase()]);
    expect(network.networks[0]!.type).toBe('ipv4_dhcp');
    const meta = JSON.parse(isoinfoExtract(iso, '/openstack/latest/meta_data.json', 'R').toString()) as { hostname: string; uuid: string; public_keys: Record<string, string> };
    expect(meta.hostname).toBe('rehearsal-test');
    expect(meta.uuid).toBe(vmUuid);
    expect(Object.values(meta.public_keys)[0]).toMatch(/^ssh-ed25519 /);

    const clean = await runCli(['clean', '--build', id!], { env, timeout: 150_000 });
    expect(clean.status).toBe(0);
    expect(marked('VM')).toEqual([]);
    expect(marked('VDI')).toEqual([]);
  });

  it('unwinds on SIGTERM while waiting for the guest and exits 130 with nothing left', { timeout: 120_000 }, async () => {
    const child = execa(process.execPath, [BIN, 'rehearse', vhd, '--ssh-user', 'debian'], { env: { CI: 'true', ...env }, reject: false, all: true });
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`never reached the boot stage:\n${seen}`)), 100_000);
      child.all?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('rehearsal guest address')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(marked('VM')).toHaveLength(1);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(marked('VM')).toEqual([]);
    expect(marked('VDI')).toEqual([]);
  });
});
