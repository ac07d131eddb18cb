// Cloud Images import and metadata against the emulator, with the VHD in the real Swift: success,
// each failure code's sentence, 396 retried a bounded number of times, the metadata merge and the
// PATCH fallback, and the catalog traps (legacy compute entry, MossoCloudFS_ account, /v2/v2).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIngotError, type IngotError } from '../../../src/errors/index.js';
import { TEST_PASSWORD, TEST_USER } from '../../support/rackspace/emulator.js';
import { harness, type Harness } from '../../support/rackspace/fixture.js';
import { writeVhd, type FixtureOptions } from '../../support/rackspace/vhd-fixture.js';

let h: Harness;
let small: Harness;
beforeAll(async () => {
  h = await harness();
  // A 1 MiB import limit, so a small file can exceed it (code 609).
  small = await harness({ limitBytes: 1024 * 1024 });
});
afterAll(async () => {
  await h?.close();
  await small?.close();
});

async function rejected(opts: FixtureOptions, on = h, retries396 = 0): Promise<IngotError> {
  await writeVhd(join(on.dir, 'disk.vhd'), opts);
  const error = await on.push({ retries396 }).catch((e: unknown) => e);
  if (!isIngotError(error)) throw new Error(`expected an IngotError, got ${String(error)}`);
  return error;
}

describe('Cloud Images import', { timeout: 60_000 }, () => {
  it('imports the uploaded VHD, reports the image id and sets the three keys plus extras', async () => {
    await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 256 * 1024 });
    const { result } = await h.push({ container: 'imports', extraMetadata: { os_distro: 'debian' } });
    const image = h.emu.images.images.get(result.imageId);
    expect(image).toMatchObject({ status: 'active', name: 'test image', vm_mode: 'hvm', img_config_drive: 'mandatory', ssh_user: 'debian', os_distro: 'debian' });
    expect(result.metadataVia).toBe('compute');
    // Only the name goes in image_properties (trap 7); the manifest object is what is imported.
    expect(h.emu.images.created.at(-1)).toEqual({ importFrom: 'imports/disk.vhd', properties: { name: 'test image' } });
    // The catalog URL ends in /v2 already: the task goes to /v2/tasks, never /v2/v2/tasks (trap 3).
    expect(h.emu.images.log.filter((r) => r.method === 'POST').map((r) => r.path)).toContain('/v2/tasks');
    expect(h.emu.images.log.some((r) => r.path.startsWith('/v2/v2'))).toBe(false);
    // The compute call went to cloudServersOpenStack, not the legacy region-less entry (trap 1).
    expect(h.emu.images.computeLog.at(-1)?.path).toBe(`/v2/123456/images/${result.imageId}/metadata`);
    // Uploads went to the catalog's MossoCloudFS_ account, not one built from the token tenant (trap 2).
    expect(h.emu.proxy.log.filter((r) => r.method === 'PUT').every((r) => r.path.startsWith('/v1/MossoCloudFS_'))).toBe(true);
  });

  it('authenticates once for the whole push while the token is valid, with a password too', async () => {
    await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 64 * 1024 });
    const before = h.emu.identity.log.length;
    await h.push({ container: 'password', credentials: { username: TEST_USER, password: TEST_PASSWORD } });
    expect(h.emu.identity.log.length - before).toBe(1);
  });

  it('retries a 396 a bounded number of times and succeeds when it clears', async () => {
    await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 64 * 1024 });
    h.emu.images.fail396 = 1;
    const { result, events } = await h.push({ container: 'transient', retries396: 2 });
    expect(result.taskIds).toHaveLength(2);
    expect(events.some((e) => e.event === 'log' && e.level === 'warn' && /code 396/.test(e.message))).toBe(true);
  });

  it('waits out Images rate limiting (413 with Retry-After) on the task POST', async () => {
    await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 64 * 1024 });
    h.emu.images.faults.push({ method: 'POST', path: /^\/v2\/tasks$/, status: 413, times: 1, headers: { 'Retry-After': '1' }, body: { overLimit: { code: 413, message: 'Over Limit' } } });
    const before = h.emu.images.log.filter((r) => r.method === 'POST').length;
    const { result } = await h.push({ container: 'limited' });
    expect(h.emu.images.images.has(result.imageId)).toBe(true);
    expect(h.emu.images.log.filter((r) => r.method === 'POST').length - before).toBe(2);
  });

  it('stops waiting after the import timeout and says the task keeps running', async () => {
    const slow = await harness({ processingPolls: 1_000_000 });
    try {
      await writeVhd(join(slow.dir, 'disk.vhd'), { dataSize: 64 * 1024 });
      const error = await slow.push({ importTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(isIngotError(error) && error.code).toBe('RAX_IMPORT_TIMEOUT');
      expect((error as IngotError).message).toMatch(/still processing after 0 s/);
      expect((error as IngotError).hint).toMatch(/keeps running at Rackspace/);
    } finally {
      await slow.close();
    }
  });

  it('gives up on a VHD that keeps failing with 396 after the bounded retries, with what to fix', async () => {
    const error = await rejected({ dataSize: 64 * 1024, badCookie: true }, h, 2);
    expect(error.code).toBe('RAX_IMPORT_REJECTED');
    expect(error.exitStatus).toBe(1);
    expect(error.message).toMatch(/not a valid VHD \(code 396\).*ingot check/);
    expect((error.details?.taskIds as string[]).length).toBe(3);
  });

  it.each([
    ['721', { diskType: 4 }, /parent disk \(code 721/],
    ['523', { diskType: 6 }, /Only fixed or dynamic VHDs.*\(code 523\)/],
    ['614', { zeroUuid: true }, /UUID is all zeros \(code 614\)/],
    ['413', { currentSize: 200n * 2n ** 30n }, /virtual size is too large \(code 413\).*160 GB/],
  ] as const)('explains failure code %s in a sentence that says what to fix', async (_code, opts, sentence) => {
    const error = await rejected({ dataSize: 64 * 1024, ...opts });
    expect(error.code).toBe('RAX_IMPORT_REJECTED');
    expect(error.message).toMatch(sentence);
  });

  it('explains failure code 609 (file larger than the limit)', async () => {
    const error = await rejected({ dataSize: 2 * 1024 * 1024, currentSize: 512n * 1024n }, small);
    expect(error.message).toMatch(/VHD file is too large \(code 609\)/);
  });
});

describe('image metadata', { timeout: 60_000 }, () => {
  it('falls back to the Images PATCH when the Cloud Servers call fails, replacing keys the image already has', async () => {
    await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 64 * 1024 });
    h.emu.images.computeFaults.push({ method: 'POST', path: /\/metadata$/, status: 404, times: 1 });
    // auto_disk_config exists on every imported image: an `add` would be a 409 (trap 18).
    const { result, events } = await h.push({ container: 'patched', extraMetadata: { auto_disk_config: 'True' } });
    expect(result.metadataVia).toBe('images-patch');
    expect(h.emu.images.images.get(result.imageId)).toMatchObject({ auto_disk_config: 'True', vm_mode: 'hvm', img_config_drive: 'mandatory', ssh_user: 'debian' });
    expect(h.emu.images.log.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(events.some((e) => e.event === 'log' && e.level === 'warn' && /using the Cloud Images PATCH/.test(e.message))).toBe(true);
  });

  it('refuses a reserved com.rackspace key before uploading anything', async () => {
    await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 64 * 1024 });
    const tasks = h.emu.images.created.length;
    const puts = h.emu.proxy.log.length;
    const error = await h.push({ container: 'reserved', extraMetadata: { 'com.rackspace__1__options': '0' } }).catch((e: unknown) => e);
    expect(isIngotError(error) && error.message).toMatch(/reserved by Rackspace/);
    expect(h.emu.images.created.length).toBe(tasks);
    expect(h.emu.proxy.log.length).toBe(puts);
  });
});
