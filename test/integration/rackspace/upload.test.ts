// Cloud Files uploads against a real Swift: single PUT, SLO with many segments, resume after an
// interruption, a corrupted segment re-sent, 503 + Retry-After, 401 re-authentication.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIngotError } from '../../../src/errors/index.js';
import { tempauthToken } from '../../support/rackspace/emulator.js';
import { download, harness, type Harness } from '../../support/rackspace/fixture.js';
import { writeVhd } from '../../support/rackspace/vhd-fixture.js';

const MiB = 1024 * 1024;
let h: Harness;
let token: string;

beforeAll(async () => {
  h = await harness();
  token = await tempauthToken(h.swift);
});
afterAll(async () => h?.close());

const segmentPuts = (container: string) => h.emu.proxy.log.filter((r) => r.method === 'PUT' && r.path.includes(`/${container}_segments/`));

describe('Cloud Files upload', { timeout: 60_000 }, () => {
  it('sends a VHD that fits one segment as one PUT, and Swift holds the same bytes', async () => {
    const bytes = await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 512 * 1024 });
    const { result } = await h.push({ container: 'single' });
    expect(result.upload.kind).toBe('single');
    expect(result.upload.etag).toBe(createHash('md5').update(bytes).digest('hex'));
    const puts = h.emu.proxy.log.filter((r) => r.method === 'PUT' && r.path.startsWith('/v1/MossoCloudFS_') && r.path.includes('/single/'));
    expect(puts).toHaveLength(1);
    expect(await download(h.swift, token, 'single/disk.vhd')).toEqual(bytes);
  });

  it('uploads a larger VHD as an SLO of 1 MiB segments whose download is byte-identical', async () => {
    const bytes = await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 5 * MiB + 3 * 512 });
    const { result, events } = await h.push({ container: 'slo', segmentSize: MiB, concurrency: 3 });
    expect(result.upload).toMatchObject({ kind: 'slo', segments: 6, uploaded: 6, kept: 0, segmentContainer: 'slo_segments' });
    expect(segmentPuts('slo')).toHaveLength(6);
    const head = await fetch(`${h.swift.storageUrl}/slo/disk.vhd`, { method: 'HEAD', headers: { 'X-Auth-Token': token } });
    expect(head.headers.get('x-static-large-object')).toBe('True');
    expect(await download(h.swift, token, 'slo/disk.vhd')).toEqual(bytes);
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.at(-1)).toMatchObject({ done: bytes.length, total: bytes.length, unit: 'bytes' });
  });

  it('resumes after an interrupted upload, sending only the segments that are missing', async () => {
    const bytes = await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 6 * MiB - 512 });
    // Segment 3 keeps failing: the first run gives up after its retries.
    h.emu.proxy.faults.push({ method: 'PUT', path: /resume_segments\/.*\/00000003$/, status: 500, times: 100 });
    const first = await h.push({ container: 'resume', segmentSize: MiB, concurrency: 1 }).catch((e: unknown) => e);
    expect(isIngotError(first) && first.code).toBe('RAX_HTTP_FAILED');
    h.emu.proxy.faults.length = 0;
    const sentBefore = segmentPuts('resume').length;
    const { result } = await h.push({ container: 'resume', segmentSize: MiB, concurrency: 2 });
    // Segments 0-2 were stored by the first run; 3, 4, 5 are sent now.
    expect(result.upload).toMatchObject({ segments: 6, kept: 3, uploaded: 3 });
    const resent = segmentPuts('resume').slice(sentBefore).map((r) => r.path.slice(-8)).sort();
    expect(resent).toEqual(['00000003', '00000004', '00000005']);
    expect(await download(h.swift, token, 'resume/disk.vhd')).toEqual(bytes);
  });

  it('detects a segment whose bytes differ in Swift and sends it again', async () => {
    const bytes = await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 3 * MiB });
    await h.push({ container: 'corrupt', segmentSize: MiB });
    const list = await (await fetch(`${h.swift.storageUrl}/corrupt_segments?format=json`, { headers: { 'X-Auth-Token': token } })).json() as Array<{ name: string }>;
    const victim = list[1]!.name;
    await fetch(`${h.swift.storageUrl}/corrupt_segments/${victim}`, { method: 'PUT', headers: { 'X-Auth-Token': token }, body: Buffer.alloc(MiB, 7) });
    const before = segmentPuts('corrupt').length;
    const { result } = await h.push({ container: 'corrupt', segmentSize: MiB });
    expect(result.upload).toMatchObject({ segments: 4, kept: 3, uploaded: 1 });
    expect(segmentPuts('corrupt').slice(before).map((r) => r.path)).toEqual([`/v1/${h.emu.proxy.storageUrl.split('/v1/')[1]}/corrupt_segments/${victim}`]);
    expect(await download(h.swift, token, 'corrupt/disk.vhd')).toEqual(bytes);
  });

  it('sends a segment again when the bytes Swift stored are not the bytes read from disk', async () => {
    const bytes = await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 2 * MiB });
    h.emu.proxy.corruptions.push({ path: /mangled_segments\/.*\/00000001$/, times: 1 });
    const { result } = await h.push({ container: 'mangled', segmentSize: MiB });
    expect(result.upload).toMatchObject({ segments: 3, uploaded: 3 });
    expect(segmentPuts('mangled').filter((r) => r.path.endsWith('/00000001'))).toHaveLength(2);
    expect(await download(h.swift, token, 'mangled/disk.vhd')).toEqual(bytes);
  });

  it('waits as long as a 503 Retry-After asks, then succeeds', async () => {
    await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 64 * 1024 });
    h.emu.proxy.faults.push({ method: 'PUT', path: /\/retry\/disk\.vhd$/, status: 503, times: 1, headers: { 'Retry-After': '1' } });
    const started = Date.now();
    const { events } = await h.push({ container: 'retry' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(events.some((e) => e.event === 'log' && e.level === 'warn' && /status 503; retry 1 in 1\.0 s/.test(e.message))).toBe(true);
  });

  it('re-authenticates once when a call answers 401, and fails on a second 401', async () => {
    await writeVhd(join(h.dir, 'disk.vhd'), { dataSize: 64 * 1024 });
    const auths = () => h.emu.identity.log.filter((r) => r.method === 'POST').length;
    h.emu.proxy.faults.push({ method: 'PUT', path: /\/reauth\/disk\.vhd$/, status: 401, times: 1 });
    const before = auths();
    await h.push({ container: 'reauth' });
    expect(auths() - before).toBe(2); // the first login, then one after the 401
    h.emu.proxy.faults.push({ method: 'PUT', path: /\/reauth2\/disk\.vhd$/, status: 401, times: 2 });
    const error = await h.push({ container: 'reauth2' }).catch((e: unknown) => e);
    expect(isIngotError(error) && error.message).toMatch(/upload reauth2\/disk\.vhd: PUT .* got 401/);
  });
});
