// A failure injected at each stage of `ingot build` (issue 5, Tests): the real CLI against the lab
// host with the FakeHypervisor. Each case ends with a clear error (code and message) and leaves
// nothing on the host — checked by listing the host's VMs, VDIs and VBDs through XAPI, not by
// believing ingot's own report. (A failing VM stage, --keep + clean and SIGTERM while waiting for
// SSH are in cleanup.test.ts.)
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../../support/run-cli.js';
import { startCutProxy } from '../../support/lab/cut-proxy.js';
import { call, login, PASSWORD, startTestLab, USER, type TestLab } from '../../support/lab/lab.js';
import { sshFromSeed } from '../../support/lab/seeded-sshd.js';
import { processesMatching, type SshFixture } from '../../support/ssh/server.js';

const GiB = 1024 ** 3;
let lab: TestLab;
let dir: string;
let env: Record<string, string>;
let session: string;
let before: HostObjects;
const guestNetwork = `127.${180 + (process.pid % 60)}`;

interface HostObjects {
  VM: string[];
  VDI: string[];
  VBD: string[];
  /** VMs and VDIs carrying ingot's build mark (other_config ingot:build). */
  marked: string[];
}

/** What the host has, asked over XAPI as any client would. */
async function hostObjects(): Promise<HostObjects> {
  const out: HostObjects = { VM: [], VDI: [], VBD: [], marked: [] };
  for (const cls of ['VM', 'VDI', 'VBD'] as const) {
    const records = await call<Record<string, { other_config?: Record<string, string>; name_label?: string }>>(lab, `${cls}.get_all_records`, session);
    out[cls] = Object.keys(records).sort();
    for (const [ref, r] of Object.entries(records)) if (r.other_config?.['ingot:build'] !== undefined) out.marked.push(`${cls} ${ref} ${r.name_label ?? ''}`);
  }
  return out;
}

async function expectHostAsBefore(): Promise<void> {
  const now = await hostObjects();
  expect(now.marked).toEqual([]);
  expect(now).toEqual(before);
}

interface RecipeOptions {
  sr?: string;
  disk?: string;
  sha256?: string;
  timeouts?: Record<string, string>;
  provision?: string[];
}

async function recipe(name: string, o: RecipeOptions = {}): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, [
    `name: ${name}`,
    'source:',
    '  image:',
    '    path: disk.raw',
    ...(o.sha256 ? [`    sha256: ${o.sha256}`] : []),
    'vm:',
    '  template: Debian Bookworm 12',
    '  memory: 512MiB',
    `  disk: ${o.disk ?? '1GiB'}`,
    ...(o.sr ? [`  sr: ${o.sr}`] : []),
    ...(o.timeouts ? ['timeouts:', ...Object.entries(o.timeouts).map(([k, v]) => `  ${k}: ${v}`)] : []),
    ...(o.provision ? ['provision:', ...o.provision] : []),
    'readiness:',
    '  target: none',
    'output:',
    `  directory: out-${name}`,
    '',
  ].join('\n'));
  return path;
}

/** The build's private work directories (under TMPDIR) that are still there. */
async function workDirsLeft(): Promise<string[]> {
  return (await readdir(env.TMPDIR!)).filter((n) => n.startsWith('ingot-build-'));
}

beforeAll(async () => {
  // A thin SR of 3 GiB, so a 4 GiB disk does not fit; guests on a loopback /16 of this run's own,
  // so their sshd on <address>:22 never meets another test file's guests.
  lab = await startTestLab({ srSizes: { ext: 3 * GiB }, guestNetwork });
  dir = await mkdtemp(join(tmpdir(), 'ingot-build-failures-'));
  await writeFile(join(dir, 'disk.raw'), Buffer.concat([randomBytes(65536), Buffer.alloc(4 * 1024 * 1024), randomBytes(4096)]));
  await writeFile(join(dir, 'password'), PASSWORD);
  await mkdir(join(dir, 'tmp'));
  env = {
    HOME: dir, TMPDIR: join(dir, 'tmp'), INGOT_XAPI_URL: lab.url, INGOT_XAPI_USERNAME: USER,
    INGOT_XAPI_PASSWORD_FILE: join(dir, 'password'), INGOT_XAPI_FINGERPRINT: lab.fingerprint!,
  };
  session = await login(lab);
  before = await hostObjects();
});
afterEach(() => {
  lab.hypervisor.script = () => ({});
});
afterAll(async () => {
  await lab?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('a failure at each build stage ends with a clear error and nothing on the host', () => {
  it('resolve: a source whose checksum does not match stops before the host is touched', { timeout: 60_000 }, async () => {
    const r = await runCli(['build', await recipe('bad-sum', { sha256: 'ab'.repeat(32) })], { env });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[SOURCE_CHECKSUM_MISMATCH]');
    expect(r.stderr).toContain('abababab');
    expect(r.stdout).toMatch(/✖ resolve the source image/);
    expect(r.stdout).not.toMatch(/connect to the XAPI host/);
    await expectHostAsBefore();
  });

  it('storage: a thick SR is refused, named with its type and the thin SRs to use instead', { timeout: 60_000 }, async () => {
    const r = await runCli(['build', await recipe('thick', { sr: 'Local LVM (thick)' })], { env });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error\[XAPI_SR_UNSUITABLE\]: SR "Local LVM \(thick\)" \([0-9a-f-]+, type lvm\) is thick-provisioned/);
    expect(r.stderr).toContain('Thin SRs here: "Local storage"');
    await expectHostAsBefore();
  });

  it('storage: an SR without room for the disk fails before the import, with both sizes', { timeout: 60_000 }, async () => {
    const r = await runCli(['build', await recipe('full', { disk: '4GiB' })], { env });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error\[XAPI_SR_UNSUITABLE\]: SR "Local storage" has 3\.0 GiB free of 3\.0 GiB, the build disk needs up to 4\.0 GiB \(4294967296 bytes\)/);
    expect(r.stdout).not.toMatch(/import the source disk/);
    await expectHostAsBefore();
  });

  it('boot: a guest that never reports an address times out after timeouts.guest_address, saying what it saw and what to raise', { timeout: 90_000 }, async () => {
    lab.hypervisor.script = () => ({ agent: false });
    const started = Date.now();
    const r = await runCli(['build', await recipe('no-address', { timeouts: { guest_address: '4s' } })], { env });
    expect(r.status).toBe(4);
    expect(r.stderr).toContain("error[XAPI_TIMEOUT]: gave up after 4 s waiting for the guest's address on NIC 0; last seen: no guest metrics yet");
    expect(r.stderr).toContain('raise timeouts.guest_address in the recipe (now 4s)');
    expect(Date.now() - started).toBeLessThan(60_000); // the configured wait, not the 10 min default
    await expectHostAsBefore();
  });

  it('boot: a guest whose sshd never answers gives up after timeouts.ssh, counting what each attempt saw', { timeout: 90_000 }, async () => {
    const r = await runCli(['build', await recipe('no-ssh', { timeouts: { ssh: '3s' } })], { env });
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`error\\[GUEST_UNREACHABLE\\]: ingot-build@${guestNetwork.replace('.', '\\.')}\\.0\\.\\d+:22 was not ready after [34] s and \\d+ attempt\\(s\\): \\d+× connection refused`));
    expect(r.stderr).toContain('raise timeouts.ssh in the recipe (now 3s)');
    await expectHostAsBefore();
  });

  it('provision: a failing step stops the build with its exit status and last lines', { timeout: 90_000 }, async () => {
    const guests: SshFixture[] = [];
    lab.hypervisor.script = () => sshFromSeed((sshd) => guests.push(sshd));
    const r = await runCli(['build', await recipe('bad-step', { provision: [
      '  - shell: echo "step ran on $(cat /proc/sys/kernel/random/boot_id)"',
      '  - shell: |',
      '      echo preparing the disk',
      '      echo "no space left on /var" >&2',
      '      exit 3',
      '  - shell: echo never',
    ] })], { env });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error\[STEP_FAILED\]: Step 2 "shell 2" \(shell\) failed with exit status 3 after [\d.]+ s\. Last output:/);
    expect(r.stderr).toContain('| preparing the disk');
    expect(r.stderr).toContain('| no space left on /var');
    expect(r.stdout).toContain('step ran on');
    expect(r.stdout).toContain(`guest address ${guestNetwork}.0.`);
    expect(guests).toHaveLength(1);
    expect(guests[0]!.commands.some((c) => c.includes('never'))).toBe(false);
    await expectHostAsBefore();
  });

  it('shutdown: a guest that never halts is stopped from the host after timeouts.shutdown, and the build still succeeds', { timeout: 90_000 }, async () => {
    lab.hypervisor.script = () => sshFromSeed(() => undefined, { hangOnPoweroff: true });
    const r = await runCli(['build', await recipe('hangs', { timeouts: { shutdown: '2s' } })], { env });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: guest poweroff did not finish \(gave up after 2 s waiting for the VM to power off \(it is Running\)\) \(if the guest needs longer, raise timeouts.shutdown, now 2s\)/);
    expect(r.stdout).toMatch(/✔ power the guest off — stopped from the host \(clean shutdown\)/);
    expect(await readdir(join(dir, 'out-hangs'))).toEqual(['hangs.manifest.json', 'hangs.vhd']);
    await expectHostAsBefore();
  });

  it('export: a connection dropped mid-stream fails the build, removes the partial file and leaves nothing on the host', { timeout: 90_000 }, async () => {
    lab.hypervisor.script = () => sshFromSeed();
    const proxy = await startCutProxy(lab, '/export_raw_vdi', 1024 * 1024);
    try {
      const r = await runCli(['build', await recipe('cut-export')], { env: { ...env, INGOT_XAPI_URL: proxy.url } });
      expect(proxy.cut).toHaveLength(1);
      expect(r.stdout).toMatch(/✔ power the guest off/);
      expect(r.stdout).toMatch(/✖ export the disk as a VHD/);
      expect(r.status).toBe(4);
      expect(r.stderr).toMatch(/error\[XAPI_ERROR\]: the export of VDI OpaqueRef:\S+ broke off: the VHD ends inside block 0: found EOF at \d+, expected \d+ bytes at \d+; the host/);
      expect(r.stderr).toContain('Run the build again');
    } finally {
      await proxy.close();
    }
    expect(await readdir(join(dir, 'out-cut-export')).catch(() => [])).toEqual([]);
    expect(await workDirsLeft()).toEqual([]);
    await expectHostAsBefore();
  });

  it('SIGINT in the middle of a step kills the command in the guest, unwinds and exits 130', { timeout: 90_000 }, async () => {
    const marker = `sleep 119.${randomBytes(3).readUIntBE(0, 3)}`;
    lab.hypervisor.script = () => sshFromSeed();
    const child = execa(process.execPath, [BIN, 'build', await recipe('sigint', { provision: [`  - shell: ${marker}`] })], { env: { CI: 'true', ...env }, reject: false, all: true });
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the step never started:\n${seen}`)), 60_000);
      const poll = setInterval(() => {
        if (processesMatching(marker).length > 0) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }
      }, 100);
      child.all?.on('data', (chunk: Buffer) => void (seen += chunk.toString()));
    });
    expect((await hostObjects()).marked.length).toBeGreaterThan(0);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(r.all).toContain('error[INTERRUPTED]: interrupted (Ctrl-C)');
    expect(processesMatching(marker)).toEqual([]);
    expect(await workDirsLeft()).toEqual([]);
    await expectHostAsBefore();
  });
});
