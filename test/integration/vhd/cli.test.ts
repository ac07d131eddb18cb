// `ingot convert` and `ingot check` as a user runs them: exit statuses, refusal to overwrite,
// atomic output, a clear error without qemu-img, deterministic bytes, --json.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';
import { qemuImg, tempDir, writeSparseRaw } from '../../support/vhd/fixtures.js';

const MiB = 1024 * 1024;
let dir: { dir: string; remove(): Promise<void> };
let raw: string;
const at = (name: string): string => join(dir.dir, name);

beforeAll(async () => {
  dir = await tempDir();
  raw = at('disk.raw');
  await writeSparseRaw(raw, 9 * MiB, [{ offset: 0, length: 512 * 1024 }, { offset: 5 * MiB, length: 1000 }]);
  // a.vhd: the reference conversion the tests below compare with and check.
  const r = await runCli(['convert', raw, at('a.vhd')], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
  expect(r.status, r.stderr).toBe(0);
}, 120_000);
afterAll(() => dir.remove());

describe('ingot convert', { timeout: 120_000 }, () => {
  it('is deterministic: two conversions are byte-identical, and SOURCE_DATE_EPOCH sets the timestamp', async () => {
    const b = await runCli(['convert', raw, at('b.vhd')], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(b.status, b.stderr).toBe(0);
    const a = await readFile(at('a.vhd'));
    expect(a.equals(await readFile(at('b.vhd')))).toBe(true);
    expect(a.readUInt32BE(24)).toBe(1_700_000_000 - 946_684_800);
    const c = await runCli(['convert', '--no-deterministic', raw, at('c.vhd')]);
    expect(c.status, c.stderr).toBe(0);
    expect((await readFile(at('c.vhd'))).subarray(68, 84).equals(a.subarray(68, 84))).toBe(false);
  });

  it('refuses to overwrite OUT without --force (exit 2), and overwrites with it', async () => {
    await writeFile(at('taken.vhd'), 'precious');
    const r = await runCli(['convert', raw, at('taken.vhd')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('VHD_OUTPUT_EXISTS');
    expect(await readFile(at('taken.vhd'), 'utf8')).toBe('precious');
    const forced = await runCli(['convert', '--force', raw, at('taken.vhd')]);
    expect(forced.status, forced.stderr).toBe(0);
    expect((await readFile(at('taken.vhd'))).subarray(0, 8).toString()).toBe('conectix');
  });

  it('reads qcow2 and vmdk through qemu-img', async () => {
    for (const fmt of ['qcow2', 'vmdk']) {
      expect((await qemuImg(['convert', '-f', 'raw', '-O', fmt, raw, at(`disk.${fmt}`)])).code).toBe(0);
      const r = await runCli(['convert', at(`disk.${fmt}`), at(`from-${fmt}.vhd`)]);
      expect(r.status, r.stderr).toBe(0);
      expect((await qemuImg(['compare', '-f', 'raw', '-F', 'vpc', raw, at(`from-${fmt}.vhd`)])).stdout).toContain('identical');
    }
  });

  it('names qemu-utils when qemu-img is missing (exit 4), and still converts raw without it', async () => {
    await writeFile(at('fake.qcow2'), Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb]), Buffer.alloc(1020)]));
    const env = { PATH: dirname(process.execPath) };
    const r = await runCli(['convert', at('fake.qcow2'), at('nope.vhd')], { env });
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('TOOL_MISSING');
    expect(r.stderr).toContain('qemu-utils');
    const ok = await runCli(['convert', raw, at('no-qemu.vhd')], { env: { ...env, SOURCE_DATE_EPOCH: '1700000000' }, timeout: 120_000 });
    expect(ok.status, ok.stderr).toBe(0);
    expect((await readFile(at('no-qemu.vhd'))).equals(await readFile(at('a.vhd')))).toBe(true);
  });

  it('leaves nothing behind when the conversion fails', async () => {
    await writeFile(at('broken.qcow2'), Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb]), Buffer.alloc(1020, 0xee)]));
    const r = await runCli(['convert', at('broken.qcow2'), at('broken.vhd')]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('TOOL_FAILED');
    expect((await readdir(dir.dir)).filter((n) => n.startsWith('broken.vhd'))).toEqual([]);
  });

  it('reports progress as NDJSON with --json', async () => {
    const r = await runCli(['convert', '--json', raw, at('json.vhd')]);
    expect(r.status).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; stage?: string; data?: { length: number } });
    expect(events.some((e) => e.event === 'progress' && e.stage === 'convert')).toBe(true);
    const result = events.find((e) => e.event === 'result');
    expect(result?.data?.length).toBe((await readFile(at('json.vhd'))).length);
  });
});

describe('ingot check', { timeout: 120_000 }, () => {
  it('exits 0 and says PASS for a VHD ingot wrote', async () => {
    const r = await runCli(['check', at('a.vhd')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('PASS: 0 error(s), 0 warning(s)');
  });

  it('exits 1 with the rule, offset, found, expected and fix when the VHD is over --max-size', async () => {
    const r = await runCli(['check', '--max-size', '8M', at('a.vhd')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/error rax\.virtual-size at byte \d+: .*\(Rackspace import error 413\)/);
    expect(r.stdout).toMatch(/found: 10485760 bytes/);
    expect(r.stdout).toMatch(/expected: <= 8388608/);
  });

  it('exits 2 for a file it cannot read, and for usage errors', async () => {
    const missing = await runCli(['check', at('missing.vhd')]);
    expect(missing.status, missing.stderr).toBe(2);
    const usage = await runCli(['check', '--max-size', 'huge', at('a.vhd')]);
    expect(usage.status, usage.stderr).toBe(2);
    expect(usage.stderr).toContain('not a size');
  });

  it('prints the whole result as JSON with --json', async () => {
    const r = await runCli(['check', '--json', at('missing.vhd')]);
    const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { event: string; data: { verdict: string; findings: Array<{ rule: string }> } };
    expect(result.event).toBe('result');
    expect(result.data.verdict).toBe('unreadable');
    expect(result.data.findings[0]?.rule).toBe('file.unreadable');
  });
});
