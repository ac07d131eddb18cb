// Finding OVMF for UEFI guests, in fake firmware directories.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findOvmf, vmVarsStore } from '../../../src/lab/qemu/firmware.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function dirWith(files: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ingot-ovmf-'));
  dirs.push(dir);
  for (const f of files) await writeFile(join(dir, f), f);
  return dir;
}

describe('OVMF firmware', () => {
  it('prefers the 4 MiB build when both are installed', async () => {
    const dir = await dirWith(['OVMF_CODE.fd', 'OVMF_VARS.fd', 'OVMF_CODE_4M.fd', 'OVMF_VARS_4M.fd']);
    expect(await findOvmf([dir])).toEqual({ code: join(dir, 'OVMF_CODE_4M.fd'), vars: join(dir, 'OVMF_VARS_4M.fd') });
  });

  it('falls back to the 2 MiB build, and never pairs a code image without its variable store', async () => {
    const dir = await dirWith(['OVMF_CODE_4M.fd', 'OVMF_CODE.fd', 'OVMF_VARS.fd']);
    expect(await findOvmf([dir])).toEqual({ code: join(dir, 'OVMF_CODE.fd'), vars: join(dir, 'OVMF_VARS.fd') });
  });

  it('without OVMF the error names the Debian package', async () => {
    const dir = await dirWith([]);
    await expect(findOvmf([dir])).rejects.toMatchObject({ code: 'TOOL_MISSING', hint: expect.stringContaining('apt-get install ovmf') });
  });

  it('each VM gets its own variable store, copied once and then kept (it holds the VM\'s NVRAM)', async () => {
    const fw = await dirWith(['OVMF_CODE_4M.fd', 'OVMF_VARS_4M.fd']);
    const state = await dirWith([]);
    const ovmf = await findOvmf([fw]);
    const vars = await vmVarsStore(ovmf, state);
    expect(vars).toBe(join(state, 'OVMF_VARS.fd'));
    expect(await readFile(vars, 'utf8')).toBe('OVMF_VARS_4M.fd');
    await writeFile(vars, 'boot entries written by the guest');
    await vmVarsStore(ovmf, state);
    expect(await readFile(vars, 'utf8')).toBe('boot entries written by the guest');
  });
});
