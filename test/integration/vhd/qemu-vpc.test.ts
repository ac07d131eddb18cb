// VHDs written by qemu-img get the findings Rackspace's advice implies (rackspace.md §5.3):
// creator "qemu" with a CHS-rounded size → warnings; force_size ("qem2", max geometry) → the
// geometry error vhd-util check reports; fixed → not sparse. `ingot convert` repairs all three.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVhd, type RuleId } from '../../../src/vhd/index.js';
import { runCli } from '../../support/run-cli.js';
import { qemuImg, qemuVirtualSize, tempDir, writeSparseRaw } from '../../support/vhd/fixtures.js';

const MiB = 1024 * 1024;
let dir: { dir: string; remove(): Promise<void> };
let raw: string;

beforeAll(async () => {
  dir = await tempDir();
  raw = join(dir.dir, 'disk.raw');
  await writeSparseRaw(raw, 10 * MiB, [{ offset: 0, length: MiB }, { offset: 9 * MiB, length: 4096 }]);
});
afterAll(() => dir.remove());

const rulesOf = async (path: string): Promise<{ verdict: string; rules: Array<[RuleId, string]> }> => {
  const r = await checkVhd(path);
  return { verdict: r.verdict, rules: r.findings.map((f) => [f.rule, f.severity]) };
};

// qemu rounds 10 MiB up to a CHS-representable 10 584 064 bytes (→ 12 MiB once rounded to 2 MiB);
// force_size keeps 10 MiB exactly (vhd.md §2.2).
describe.each([
  ['qemu-img convert -O vpc', [], 'pass', [['footer.creator', 'warning'], ['footer.size-2mib', 'warning']], 12 * MiB],
  ['qemu-img convert -O vpc -o force_size=on', ['-o', 'force_size=on'], 'fail', [['footer.creator', 'warning'], ['footer.geometry', 'error']], 10 * MiB],
  ['qemu-img convert -O vpc -o subformat=fixed', ['-o', 'subformat=fixed'], 'pass', [['footer.creator', 'warning'], ['footer.size-2mib', 'warning'], ['fixed.not-sparse', 'warning']], 12 * MiB],
] as const)('%s', { timeout: 120_000 }, (name, options, verdict, expected, convertedSize) => {
  const vhd = (): string => join(dir.dir, `${name.replace(/\W+/g, '-')}.vhd`);
  beforeAll(async () => {
    const r = await qemuImg(['convert', '-f', 'raw', '-O', 'vpc', ...options, raw, vhd()]);
    expect(r.code, r.stderr).toBe(0);
  });

  it(`gets exactly the findings Rackspace's advice implies (${verdict})`, async () => {
    const r = await rulesOf(vhd());
    expect(r.verdict).toBe(verdict);
    expect(r.rules.sort()).toEqual([...expected].map((x) => [...x]).sort());
  });

  it(`ingot check exits ${verdict === 'pass' ? '0 (warnings only; 1 with --strict)' : '1'}`, async () => {
    const r = await runCli(['check', ...(verdict === 'pass' ? ['--strict'] : []), vhd()]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain('footer.creator');
    if (verdict === 'pass') expect((await checkVhd(vhd())).findings.every((f) => f.severity === 'warning')).toBe(true);
  });

  it('ingot convert turns it into a VHD with no findings and the same content', async () => {
    const out = join(dir.dir, `${name.replace(/\W+/g, '-')}.tap.vhd`);
    const r = await runCli(['convert', vhd(), out], { timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect((await checkVhd(out)).findings).toEqual([]);
    const cmp = await qemuImg(['compare', '-f', 'raw', '-F', 'vpc', raw, out]);
    expect(cmp.stdout).toContain('Images are identical');
    expect(await qemuVirtualSize(out)).toBe(convertedSize);
  });
});
