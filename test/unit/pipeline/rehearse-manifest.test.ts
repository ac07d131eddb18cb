// What `ingot rehearse` takes from a build manifest: ssh_user, the build identity it compares
// against, the build user; a manifest it cannot trust is refused, not half-read.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngotError } from '../../../src/errors/index.js';
import { readRehearseManifest } from '../../../src/pipeline/rehearse/index.js';

const FP = `SHA256:${Buffer.alloc(32, 9).toString('base64').replace(/=+$/, '')}`;

async function withManifest(doc: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ingot-rehearse-manifest-'));
  await writeFile(join(dir, 'img.manifest.json'), typeof doc === 'string' ? doc : JSON.stringify(doc));
  return join(dir, 'img.vhd');
}

describe('readRehearseManifest', () => {
  it('reads ssh_user, the build identity and the build id from the manifest beside the VHD', async () => {
    const vhd = await withManifest({ build: { id: 'b-1' }, readiness: { ssh_user: 'debian', build_identity: { hostname: 'build', host_key_fingerprints: [FP], machine_id_sha256: 'AB'.repeat(32) } } });
    expect(await readRehearseManifest(vhd, undefined)).toEqual({
      path: vhd.replace(/\.vhd$/, '.manifest.json'), sshUser: 'debian', buildUser: 'ingot-build', buildId: 'b-1',
      identity: { hostname: 'build', host_key_fingerprints: [FP], machine_id_sha256: 'ab'.repeat(32) },
    });
  });

  it('is undefined when no manifest is beside the VHD, and an error when --manifest names a missing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ingot-rehearse-manifest-'));
    expect(await readRehearseManifest(join(dir, 'x.vhd'), undefined)).toBeUndefined();
    await expect(readRehearseManifest(join(dir, 'x.vhd'), join(dir, 'nope.json'))).rejects.toMatchObject({ code: 'INPUT_UNREADABLE' });
  });

  it('refuses a build identity it cannot compare with: fingerprints not in SHA256: form, a bad machine-id hash, no JSON', async () => {
    for (const doc of [
      { readiness: { build_identity: { host_key_fingerprints: ['MD5:aa'] } } },
      { readiness: { build_identity: { host_key_fingerprints: [FP], machine_id_sha256: 'xyz' } } },
      '{ not json',
    ]) {
      const error = await readRehearseManifest(await withManifest(doc), undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IngotError);
      expect((error as IngotError).code).toBe('INPUT_UNREADABLE');
    }
  });
});
