// Building from a disk already on the host (source.template, source.vdi): `ingot build` through
// the real CLI against the lab host, whose fake guests serve SSH from ingot's seed. The VHD the
// build exports must hold exactly the source disk's bytes (read back with ingot's VHD reader,
// compared by qemu-img), the source must be untouched, and a failure must leave nothing. The
// refusals (not found, ambiguous, diskless, in use, shrink) come before anything is created.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vhdToRawFile } from '../../../src/vhd/index.js';
import { call, login, PASSWORD, refByName, startTestLab, USER, type TestLab } from '../../support/lab/lab.js';
import { sshFromSeed } from '../../support/lab/seeded-sshd.js';
import { runCli } from '../../support/run-cli.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
let lab: TestLab;
let dir: string;
let env: Record<string, string>;
let session: string;

const marked = (cls: 'VM' | 'VDI') => lab.lab.db.all(cls).filter(([, r]) => (r.other_config as Record<string, string> | undefined)?.['ingot:build'] !== undefined);
const vdiPath = (ref: string) => {
  const vdi = lab.lab.db.get('VDI', ref);
  return lab.lab.storage.vdiPath(String(lab.lab.db.get('SR', vdi.SR).uuid), String(vdi.uuid));
};
/** A sparse copy of a source VDI's file, to compare against later (qemu-img compare skips the holes). */
async function snapshotFile(ref: string): Promise<string> {
  const copy = join(dir, `before-${Math.random().toString(36).slice(2)}.raw`);
  await execa('cp', ['--sparse=always', vdiPath(ref), copy]);
  return copy;
}
const unchanged = async (ref: string, copy: string) => (await execa('qemu-img', ['compare', '-q', '-s', '-f', 'raw', '-F', 'raw', copy, vdiPath(ref)], { reject: false })).exitCode === 0;

/** A VDI of `size` on `sr` with random data at 0, at 5 MiB and in its last 4 KiB, holes elsewhere: what a source disk looks like. */
async function sourceVdi(name: string, sr: string, size: number): Promise<string> {
  const ref = await call<string>(lab, 'VDI.create', session, {
    name_label: name, name_description: 'a golden base disk', SR: sr, virtual_size: size, type: 'user', sharable: false, read_only: false, other_config: { owner: 'team' }, tags: ['golden'],
  });
  const fh = await open(vdiPath(ref), 'r+');
  for (const [at, length] of [[0, 65536], [5 * MiB, 4096], [size - 4096, 4096]] as const) await fh.write(randomBytes(length), 0, length, at);
  await fh.close();
  return ref;
}

/** The exported VHD read back with ingot's VHD reader; its size, and whether it equals the source disk followed by zeros (qemu-img compare, the oracle). */
async function compareWithSource(vhd: string, source: string): Promise<{ size: number; identical: boolean }> {
  const raw = join(dir, `${Math.random().toString(36).slice(2)}.raw`);
  await vhdToRawFile(vhd, raw);
  const r = await execa('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', raw, vdiPath(source)], { reject: false });
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`qemu-img compare: ${r.stderr}`);
  const size = (await stat(raw)).size;
  await rm(raw);
  return { size, identical: r.exitCode === 0 };
}

async function recipeText(name: string, source: string, extra: string[] = []): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, [`name: ${name}`, 'source:', `  ${source}`, 'vm:', '  template: Debian Bookworm 12', '  memory: 512MiB', ...extra, 'readiness:', '  target: none', 'output:', '  directory: out', ''].join('\n'));
  return path;
}

interface Manifest {
  source: Record<string, unknown>;
  output: { file: string; sha256: string; virtual_size: number };
  check: { verdict: string };
}

/** `ingot build` of the recipe, to the end: its manifest. */
async function build(recipePath: string): Promise<Manifest> {
  const r = await runCli(['build', recipePath], { env, timeout: 300_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const name = recipePath.replace(/^.*\/|\.yaml$/g, '');
  return JSON.parse(await readFile(join(dir, 'out', `${name}.manifest.json`), 'utf8')) as Manifest;
}

let templateDisk: string;
let lvmVdi: string;

beforeAll(async () => {
  // Guests on a loopback /16 of this file's own; they take the build access from ingot's seed.
  lab = await startTestLab({ guestNetwork: '127.83' });
  lab.hypervisor.script = () => sshFromSeed();
  dir = await mkdtemp(join(tmpdir(), 'ingot-build-source-'));
  await writeFile(join(dir, 'password'), PASSWORD);
  env = { HOME: dir, INGOT_XAPI_URL: lab.url, INGOT_XAPI_USERNAME: USER, INGOT_XAPI_PASSWORD_FILE: join(dir, 'password'), INGOT_XAPI_FINGERPRINT: lab.fingerprint!, SOURCE_DATE_EPOCH: '1700000000' };
  session = await login(lab);
  const ext = refByName(lab, 'SR', 'Local storage');
  // A template with an installed system disk (bootable, userdevice 0) and a data disk (userdevice 1).
  const template = await call<string>(lab, 'VM.clone', session, refByName(lab, 'VM', 'Debian Bookworm 12'), 'golden-base');
  await call(lab, 'VM.remove_from_other_config', session, template, 'disks');
  templateDisk = await sourceVdi('golden-base system', ext, GiB + 8 * MiB);
  const data = await sourceVdi('golden-base data', ext, GiB);
  const vbd = { bootable: true, mode: 'RW', type: 'Disk', empty: false, unpluggable: false, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} };
  await call(lab, 'VBD.create', session, { ...vbd, VM: template, VDI: data, userdevice: '1', bootable: false });
  await call(lab, 'VBD.create', session, { ...vbd, VM: template, VDI: templateDisk, userdevice: '0' });
  // A VDI on another SR than the build's: it has to be copied, not cloned.
  lvmVdi = await sourceVdi('base on lvm', refByName(lab, 'SR', 'Local LVM (thick)'), GiB + 6 * MiB);
});
afterAll(async () => {
  await lab?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('a build from source.template', () => {
  it('exports a VHD whose contents are the template\'s system disk, grown to vm.disk, and leaves the source as it was', { timeout: 400_000 }, async () => {
    const before = { file: await snapshotFile(templateDisk), record: structuredClone(lab.lab.db.get('VDI', templateDisk)) };
    const manifest = await build(await recipeText('from-template', 'template: golden-base', ['  disk: 2GiB']));
    expect(await compareWithSource(manifest.output.file, templateDisk)).toEqual({ size: 2 * GiB, identical: true });
    expect(manifest.source).toMatchObject({ kind: 'template', reference: 'golden-base', uuid: lab.lab.db.get('VM', refByName(lab, 'VM', 'golden-base')).uuid, vdi_uuid: before.record.uuid, method: 'VDI.clone', virtual_size: GiB + 8 * MiB });
    expect(manifest.check.verdict).toBe('pass');
    // The sha256 computed while the VHD was written is the file's.
    expect(manifest.output.sha256).toBe(createHash('sha256').update(await readFile(manifest.output.file)).digest('hex'));
    // Untouched: same bytes, same record (name, size, other_config, tags, VBDs).
    expect(await unchanged(templateDisk, before.file)).toBe(true);
    expect(lab.lab.db.get('VDI', templateDisk)).toEqual(before.record);
    expect(marked('VDI')).toEqual([]);
    expect(marked('VM')).toEqual([]);
  });

  it('keeps the source size without vm.disk, and a failing later stage removes the clone', { timeout: 400_000 }, async () => {
    const vdis = lab.lab.db.all('VDI').length;
    const path = await recipeText('template-fails', 'template: golden-base');
    await writeFile(path, (await readFile(path, 'utf8')).replace('template: Debian Bookworm 12', 'template: No Such Template'));
    const failed = await runCli(['build', path], { env, timeout: 200_000 });
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/✔ import the source disk into a new VDI — VDI\.clone of disk "golden-base system"/);
    expect(failed.stderr).toContain('no template or VM named or with uuid "No Such Template"');
    expect(lab.lab.db.all('VDI').length).toBe(vdis);
    expect(marked('VDI')).toEqual([]);
    expect(lab.lab.db.find('VDI', templateDisk)).toBeDefined();

    const same = await build(await recipeText('template-same-size', 'template: golden-base'));
    expect(await compareWithSource(same.output.file, templateDisk)).toEqual({ size: GiB + 8 * MiB, identical: true });
  });
});

describe('a build from source.vdi', () => {
  it('copies a VDI named on another SR and exports exactly its contents; by uuid too', { timeout: 400_000 }, async () => {
    const before = { file: await snapshotFile(lvmVdi), record: structuredClone(lab.lab.db.get('VDI', lvmVdi)) };
    const manifest = await build(await recipeText('from-vdi', 'vdi: base on lvm'));
    expect(await compareWithSource(manifest.output.file, lvmVdi)).toEqual({ size: GiB + 6 * MiB, identical: true });
    expect(manifest.source).toMatchObject({ kind: 'vdi', reference: 'base on lvm', vdi_uuid: before.record.uuid, method: 'VDI.copy' });
    expect(await unchanged(lvmVdi, before.file)).toBe(true);
    expect(lab.lab.db.get('VDI', lvmVdi)).toEqual(before.record);

    const byUuid = await build(await recipeText('from-vdi-uuid', `vdi: ${before.record.uuid as string}`, ['  disk: 3GiB']));
    expect(await compareWithSource(byUuid.output.file, lvmVdi)).toEqual({ size: 3 * GiB, identical: true });
    expect(marked('VDI')).toEqual([]);
    expect(marked('VM')).toEqual([]);
  });
});

describe('refusals, through the CLI, before anything is created', () => {
  const refused = async (name: string, source: string, extra: string[] = []) => {
    const r = await runCli(['build', await recipeText(name, source, extra)], { env, timeout: 200_000 });
    expect(marked('VDI')).toEqual([]);
    expect(marked('VM')).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    return r;
  };

  it('a template that does not exist: exit 1, with the close names', { timeout: 240_000 }, async () => {
    const r = await refused('typo', 'template: golden-bse');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[XAPI_NOT_FOUND]: source.template: no template or VM named or with uuid "golden-bse"');
    expect(r.stderr).toContain('Close names: "golden-base"');
  });

  it('a template without a disk', { timeout: 240_000 }, async () => {
    const r = await refused('diskless', 'template: Debian Bookworm 12');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[XAPI_SOURCE_UNSUITABLE]: source.template: "Debian Bookworm 12"');
    expect(r.stderr).toContain('has no disk to clone');
    expect(r.stderr).toContain('other_config.disks');
  });

  it('a VDI name two VDIs share lists both with their uuids', { timeout: 240_000 }, async () => {
    const twin = await sourceVdi('twin', refByName(lab, 'SR', 'Local storage'), 2 * MiB);
    const other = await sourceVdi('twin', refByName(lab, 'SR', 'Local storage'), 2 * MiB);
    const r = await refused('ambiguous', 'vdi: twin');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('source.vdi: 2 VDIs are named "twin"');
    for (const ref of [twin, other]) expect(r.stderr).toContain(String(lab.lab.db.get('VDI', ref).uuid));
  });

  it('a VDI attached to a running VM is in use', { timeout: 240_000 }, async () => {
    const busy = await sourceVdi('busy disk', refByName(lab, 'SR', 'Local storage'), 2 * MiB);
    const vm = await call<string>(lab, 'VM.clone', session, refByName(lab, 'VM', 'Debian Bookworm 12'), 'busy-vm');
    await call(lab, 'VM.remove_from_other_config', session, vm, 'disks');
    await call(lab, 'VM.provision', session, vm);
    await call(lab, 'VBD.create', session, { VM: vm, VDI: busy, userdevice: '0', bootable: true, mode: 'RW', type: 'Disk', empty: false, unpluggable: false, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} });
    lab.hypervisor.script = () => ({}); // a plain running VM: no seed, no sshd
    await call(lab, 'VM.start', session, vm, false, false);
    try {
      const r = await refused('in-use', 'vdi: busy disk');
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('is in use, attached to running VM "busy-vm"');
    } finally {
      await call(lab, 'VM.hard_shutdown', session, vm);
      lab.hypervisor.script = () => sshFromSeed();
    }
  });

  it('a vm.disk smaller than the source: ingot never shrinks', { timeout: 240_000 }, async () => {
    await sourceVdi('big base', refByName(lab, 'SR', 'Local storage'), 2 * GiB);
    const r = await refused('shrink', 'vdi: big base', ['  disk: 1GiB']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('vm.disk is 1 GiB but the source disk (VDI "big base") is 2 GiB: ingot never shrinks a disk');
    expect(r.stderr).toContain('Set vm.disk to at least 2 GiB, or remove it');
  });
});
