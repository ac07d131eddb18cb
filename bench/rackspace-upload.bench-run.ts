// Upload speed: `ingot push` (real CLI) against `swift upload --use-slo` (python-swiftclient) to the
// same loopback Swift, same file, segment size and concurrency. Prints MB/s, peak RSS and the ratio.
// Run: npm run bench:rackspace   (BENCH_SIZE_MIB, BENCH_SEGMENT_MIB, BENCH_CONCURRENCY to vary)
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { open, readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { startEmulator, TEST_API_KEY, TEST_USER, type Emulator } from '../test/support/rackspace/emulator.js';
import { sharedSwift } from '../test/support/rackspace/fixture.js';
import { footer } from '../test/support/rackspace/vhd-fixture.js';
import { BIN } from '../test/support/run-cli.js';

const MiB = 1024 * 1024;
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 2048);
const segmentMiB = Number(process.env.BENCH_SEGMENT_MIB ?? 100);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);

let dir: string;
let vhd: string;
let emu: Emulator;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingot-bench-'));
  vhd = join(dir, 'bench.vhd');
  // A fixed VHD of random bytes (incompressible), written in 16 MiB chunks.
  const out = await open(vhd, 'w');
  const chunk = randomBytes(16 * MiB);
  for (let i = 0; i < sizeMiB / 16; i += 1) {
    chunk.writeUInt32BE(i, 0); // keep segments distinct
    await out.write(chunk);
  }
  await out.write(footer({ dataSize: sizeMiB * MiB }));
  await out.close();
  // Straight to Swift (no test proxy), as swift upload goes.
  const swift = sharedSwift();
  emu = await startEmulator(swift, { storageUrl: () => swift.storageUrl });
});
afterAll(async () => {
  await emu?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Peak resident set of a child, from /proc (VmHWM), sampled until it exits. */
async function peakRss(child: ResultPromise): Promise<number> {
  let peak = 0;
  const timer = setInterval(() => {
    readFile(`/proc/${child.pid}/status`, 'utf8')
      .then((s) => {
        const kb = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0);
        if (kb > peak) peak = kb;
      })
      .catch(() => {});
  }, 50);
  await child;
  clearInterval(timer);
  return peak * 1024;
}

it(`uploads ${sizeMiB} MiB: ingot vs swift upload --use-slo`, async () => {
  const swift = sharedSwift();
  const size = (sizeMiB * MiB) + 512;

  const started = Date.now();
  const swiftChild = execa('swift', ['-A', swift.authUrl, '-U', swift.user, '-K', swift.key, 'upload', '--use-slo', '--segment-size', String(segmentMiB * MiB), '--segment-threads', String(concurrency), '--object-name', 'bench.vhd', 'bench-swift', vhd], { reject: false });
  const swiftRss = await peakRss(swiftChild);
  const swiftSeconds = (Date.now() - started) / 1000;
  const swiftResult = await swiftChild;
  if (swiftResult.exitCode !== 0) throw new Error(`swift upload failed: ${String(swiftResult.stderr)}`);

  const ingotChild = execa(process.execPath, [BIN, 'push', vhd, '--name', 'bench', '--ssh-user', 'debian', '--skip-check', '--container', 'bench-ingot', '--segment-size', `${segmentMiB}M`, '--concurrency', String(concurrency), '--poll-interval', '0.1', '--json'], {
    reject: false,
    env: { CI: 'true', HOME: dir, RAX_USERNAME: TEST_USER, RAX_API_KEY: TEST_API_KEY, RAX_IDENTITY_URL: emu.identityUrl },
  });
  const ingotRss = await peakRss(ingotChild);
  const ingotResult = await ingotChild;
  if (ingotResult.exitCode !== 0) throw new Error(`ingot push failed: ${String(ingotResult.stderr)}${String(ingotResult.stdout).slice(-2000)}`);
  const result = String(ingotResult.stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; data?: { mbPerSecond: number } }).find((e) => e.event === 'result');
  const ingotMBs = result?.data?.mbPerSecond ?? 0;
  const swiftMBs = size / 1e6 / swiftSeconds;

  const mib = (n: number): string => `${(n / MiB).toFixed(0)} MiB`;
  console.log([
    `file ${sizeMiB} MiB, segments ${segmentMiB} MiB, concurrency ${concurrency}, both straight to the loopback Swift`,
    `swift upload --use-slo : ${swiftMBs.toFixed(1)} MB/s (wall, incl. auth), peak RSS ${mib(swiftRss)}`,
    `ingot push (upload)    : ${ingotMBs.toFixed(1)} MB/s (upload stage), peak RSS ${mib(ingotRss)}`,
    `ratio ingot/swift      : ${(ingotMBs / swiftMBs).toFixed(2)}`,
    `ingot streams each segment from disk (1 MiB reads): its memory does not grow with segment size`,
    `note: swift's figure includes its process start and auth; ingot's is the upload stage alone`,
  ].join('\n'));
});
