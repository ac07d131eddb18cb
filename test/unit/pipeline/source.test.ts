import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, open, readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngotError } from '../../../src/errors/index.js';
import { detectFormat, imageCacheDir, resolveImage } from '../../../src/pipeline/source.js';

const image = randomBytes(3 * 1024 * 1024 + 17);
const sha256 = createHash('sha256').update(image).digest('hex');
const sha512 = createHash('sha512').update(image).digest('hex');
let server: Server;
let base: string;
let requests = 0;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingot-source-'));
  server = createServer((req, res) => {
    requests += 1;
    if (req.url === '/disk.img') {
      res.setHeader('content-length', image.length);
      res.end(image);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

const opts = () => ({ env: { HOME: dir, XDG_CACHE_HOME: join(dir, 'cache') }, report: () => {}, signal: new AbortController().signal });

describe('the source image', () => {
  it('downloads a URL, verifies its sha512, caches it by checksum, and reuses the cache without downloading', async () => {
    const before = requests;
    const first = await resolveImage({ kind: 'image', url: `${base}/disk.img`, checksum: { algorithm: 'sha512', hex: sha512 }, format: undefined }, opts());
    expect(first).toMatchObject({ sha256, bytes: image.length, format: 'raw', cached: false });
    expect(first.path).toBe(join(imageCacheDir(opts().env), `sha512-${sha512}`));
    expect(Buffer.compare(await readFile(first.path), image)).toBe(0);
    const second = await resolveImage({ kind: 'image', url: `${base}/disk.img`, checksum: { algorithm: 'sha512', hex: sha512 }, format: undefined }, opts());
    expect(second.cached).toBe(true);
    expect(requests - before).toBe(1);
  });

  it('refuses a download whose checksum differs and leaves nothing in the cache', async () => {
    const wrong = 'a'.repeat(64);
    const error = await resolveImage({ kind: 'image', url: `${base}/disk.img`, checksum: { algorithm: 'sha256', hex: wrong }, format: undefined }, opts()).catch((e: unknown) => e);
    expect((error as IngotError).code).toBe('SOURCE_CHECKSUM_MISMATCH');
    expect((error as IngotError).message).toContain(sha256);
    await expect(readFile(join(imageCacheDir(opts().env), `sha256-${wrong}`))).rejects.toThrow();
  });

  it('says which URL failed with which HTTP status', async () => {
    const error = await resolveImage({ kind: 'image', url: `${base}/gone.img`, checksum: { algorithm: 'sha256', hex: sha256 }, format: undefined }, opts()).catch((e: unknown) => e);
    expect((error as IngotError).code).toBe('SOURCE_UNAVAILABLE');
    expect((error as IngotError).message).toContain('HTTP 404');
  });

  it('verifies a local file against its checksum when the recipe gives one', async () => {
    const path = join(dir, 'local.img');
    await writeFile(path, image);
    await expect(resolveImage({ kind: 'image', path, checksum: { algorithm: 'sha256', hex: sha256 }, format: undefined }, opts())).resolves.toMatchObject({ sha256 });
    const error = await resolveImage({ kind: 'image', path, checksum: { algorithm: 'sha256', hex: 'b'.repeat(64) }, format: undefined }, opts()).catch((e: unknown) => e);
    expect((error as IngotError).code).toBe('SOURCE_CHECKSUM_MISMATCH');
  });

  it('hashes a sparse local file to what sha256sum says, holes included, and finds its data blocks', async () => {
    // Data, a 9 MiB hole, data, a hole to an odd end: the holes are hashed as zeros unread.
    const path = join(dir, 'sparse.raw');
    const fh = await open(path, 'w');
    const first = randomBytes(3 * 1024 * 1024 + 5);
    const second = randomBytes(4096);
    await fh.write(first, 0, first.length, 0);
    await fh.write(second, 0, second.length, 12 * 1024 * 1024);
    await fh.truncate(20 * 1024 * 1024 + 1234);
    await fh.close();
    const expected = (await execa('sha256sum', [path])).stdout.split(' ')[0];
    const r = await resolveImage({ kind: 'image', path, checksum: { algorithm: 'sha256', hex: expected! }, format: 'raw' }, opts());
    expect(r).toMatchObject({ sha256: expected, bytes: 20 * 1024 * 1024 + 1234 });
    // Blocks 0 and 1 (the first data, 3 MiB + 5) and 6 (12 MiB) hold data; the rest are zeros.
    const blocks = Array.from({ length: 11 }, (_, i) => ((r.scan!.alloc[i >> 3]! & (0x80 >> (i & 7))) !== 0 ? i : -1)).filter((i) => i >= 0);
    expect(blocks).toEqual([0, 1, 6]);
  });

  it('recognises qcow2, vmdk and vhd by their magic and calls anything else raw', async () => {
    const cases: Array<[string, Buffer, string]> = [
      ['q.img', Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb]), Buffer.alloc(1020)]), 'qcow2'],
      ['v.img', Buffer.concat([Buffer.from('KDMV'), Buffer.alloc(1020)]), 'vmdk'],
      ['d.img', Buffer.concat([Buffer.from('conectix'), Buffer.alloc(1016)]), 'vhd'],
      ['f.img', Buffer.concat([Buffer.alloc(4096), Buffer.from('conectix'), Buffer.alloc(504)]), 'vhd'],
      ['r.img', Buffer.alloc(4096, 1), 'raw'],
    ];
    for (const [name, bytes, format] of cases) {
      await writeFile(join(dir, name), bytes);
      expect(await detectFormat(join(dir, name))).toBe(format);
    }
  });
});
