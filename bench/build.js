// `npm run bench:build`: one `ingot build` of the test recipe on the lab host with a real QEMU guest
// (the Debian test image of scripts/guest-image.sh), then seconds per stage from the manifest, and
// the export path's throughput against a plain `qemu-img convert` of the same disk, in the same
// run. Prints figures; asserts nothing about speed (timed tests are forbidden). Built code in dist/.
// Knobs: BUILD_BENCH_DIR (work directory, default a temp dir), BUILD_BENCH_ACCEL (kvm|tcg|auto).
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLab } from '../dist/lab/index.js';
import { createQemuHypervisor } from '../dist/lab/qemu/index.js';
import { vhdToRawFile } from '../dist/vhd/index.js';

const run = promisify(execFile);
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const MB = 1e6;
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

/** The cached test image (built once per version of scripts/guest-image.sh, ~2–4 min; else at once). */
async function guestImage() {
  const { stdout } = await run('bash', [join(root, 'scripts', 'guest-image.sh')], { maxBuffer: 1 << 24 });
  return join(stdout.trim().split('\n').pop(), 'disk.raw');
}

/** Runs the CLI with --json; every NDJSON event is stamped with its arrival time (seconds). */
function ingot(args, env) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(root, 'bin', 'ingot.js'), ...args, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const events = [];
    let partial = '';
    let err = '';
    child.stdout.on('data', (c) => {
      const at = (performance.now() - started) / 1000;
      const lines = (partial + c).split('\n');
      partial = lines.pop();
      for (const line of lines) if (line.trim()) events.push({ at, ...JSON.parse(line) });
    });
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (status) => resolve({ status, events, stderr: err }));
  });
}

/** Seconds between the first and the last progress event of `phase` within stage `stage`'s run. */
function phase(events, stage, name) {
  const start = events.find((e) => e.event === 'stage' && e.stage === stage && e.status === 'start');
  const end = events.find((e) => e.event === 'stage' && e.stage === stage && e.status !== 'start');
  const inside = events.filter((e) => e.event === 'progress' && e.stage === name && e.at >= start.at && e.at <= end.at);
  return inside.length === 0 ? undefined : { first: inside[0].at, last: inside.at(-1).at, start: start.at, end: end.at, done: inside.at(-1).done };
}

async function timed(fn) {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

const dir = process.env.BUILD_BENCH_DIR || (await mkdtemp(join(tmpdir(), 'ingot-bench-build-')));
await mkdir(dir, { recursive: true });
const image = await guestImage();
const hypervisor = await createQemuHypervisor({ accel: process.env.BUILD_BENCH_ACCEL || 'auto' });
const password = `bench-${process.pid}-${Date.now()}`;
const lab = await startLab({ dir: join(dir, 'lab'), user: { name: 'root', password }, hypervisor, authFailureDelayMs: 0 });
try {
  await writeFile(join(dir, 'password'), password);
  await writeFile(join(dir, 'recipe.yaml'), [
    'name: bench-build',
    'source:',
    '  image:',
    `    path: ${image}`,
    'vm:',
    '  template: Debian Bookworm 12',
    '  memory: 1GiB',
    '  disk: 3GiB',
    'provision:',
    '  - shell: |',
    '      echo "built by ingot" > /etc/ingot-marker',
    'readiness:',
    '  target: none',
    'output:',
    '  directory: out',
    '',
  ].join('\n'));
  const env = {
    ...process.env, HOME: dir, CI: 'true', SOURCE_DATE_EPOCH: '1700000000',
    INGOT_XAPI_URL: lab.url, INGOT_XAPI_USERNAME: 'root', INGOT_XAPI_PASSWORD_FILE: join(dir, 'password'), INGOT_XAPI_FINGERPRINT: lab.fingerprint,
  };
  console.log(`# ingot build on the lab host (bench/build.js)`);
  console.log(`machine: ${cpus().length} CPU (${cpus()[0]?.model ?? '?'}), guest accel ${hypervisor.accel} (${hypervisor.accelReason}); load average before: ${load()}`);
  const imageInfo = await stat(image);
  console.log(`source: ${image} (${(imageInfo.size / 2 ** 30).toFixed(2)} GiB virtual, ${(imageInfo.blocks * 512 / MB).toFixed(0)} MB allocated)`);
  let build;
  const wall = await timed(async () => (build = await ingot(['build', join(dir, 'recipe.yaml')], env)));
  if (build.status !== 0) {
    console.log(build.events.filter((e) => e.event !== 'progress').map((e) => JSON.stringify(e)).join('\n'));
    console.error(build.stderr);
    throw new Error(`ingot build exited ${build.status}`);
  }
  console.log(`load average after the build: ${load()}`);
  const manifest = JSON.parse(await readFile(join(dir, 'out', 'bench-build.manifest.json'), 'utf8'));
  const vhd = join(dir, 'out', 'bench-build.vhd');
  const vhdBytes = (await stat(vhd)).size;
  console.log('');
  console.log('| stage | status | seconds | detail |');
  console.log('| --- | --- | ---: | --- |');
  for (const s of manifest.stages) console.log(`| ${s.id} | ${s.status} | ${s.seconds.toFixed(2)} | ${(s.detail ?? '').replaceAll('|', '/')} |`);
  console.log(`| (whole \`ingot build\`, process wall) | | ${wall.toFixed(2)} | |`);

  // The same disk, raw, through qemu-img: what a plain conversion of it costs on this machine now.
  const raw = join(dir, 'same-disk.raw');
  await vhdToRawFile(vhd, raw);
  await run('sync');
  const qemuOut = join(dir, 'qemu.vhd');
  const qemu = await timed(async () => {
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=dynamic', raw, qemuOut]);
    await run('sync', [qemuOut]);
  });
  const qemuBytes = (await stat(qemuOut)).size;
  const exportStage = manifest.stages.find((s) => s.id === 'export');
  // Inside the export stage: receiving the host's VHD into a sparse raw ("read" progress), then
  // writing ingot's VHD from it, hashed as it goes ("write" progress, then fsync and rename).
  const receive = phase(build.events, 'export', 'read');
  const write = phase(build.events, 'export', 'write');
  const receiveS = write ? write.first - receive.start : undefined;
  const writeS = write ? write.end - write.first : undefined;
  const rate = (bytes, s) => (s ? (bytes / MB / s).toFixed(0) : '?');
  console.log('');
  console.log('| path | seconds | bytes | MB/s |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| ingot export stage, whole (host GET /export_raw_vdi → sparse raw → VHD, hashed) | ${exportStage.seconds.toFixed(2)} | ${vhdBytes} | ${rate(vhdBytes, exportStage.seconds)} |`);
  console.log(`| … receive: the lab host builds and sends its VHD, ingot writes the sparse raw | ${receiveS?.toFixed(2) ?? '?'} | ${vhdBytes} | ${rate(vhdBytes, receiveS)} |`);
  console.log(`| … write: raw → ingot's VHD, sha256 while writing, fsync | ${writeS?.toFixed(2) ?? '?'} | ${vhdBytes} | ${rate(vhdBytes, writeS)} |`);
  console.log(`| qemu-img convert -f raw -O vpc -o subformat=dynamic (+ sync), same disk | ${qemu.toFixed(2)} | ${qemuBytes} | ${rate(qemuBytes, qemu)} |`);
  const scans = build.events.filter((e) => e.event === 'progress' && e.stage === 'scan').length;
  console.log(`scan-pass progress events in the build (a second read of a raw file): ${scans}`);
  console.log(`load average at the end: ${load()}`);
} finally {
  await lab.close();
  if (!process.env.BUILD_BENCH_DIR) await rm(dir, { recursive: true, force: true });
}
