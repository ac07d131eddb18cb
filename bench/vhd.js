// The VHD benchmark (issue 3): a sparse raw disk with scattered data is converted by ingot and by
// `qemu-img convert -O vpc -o subformat=dynamic` in the same run, and both results are checked.
// Prints wall time, MB/s of allocated data and peak RSS (GNU time's %M) for each, and the ratio.
// Environment: VHD_BENCH_GIB (virtual size, default 20), VHD_BENCH_DATA_GIB (data, default 2),
// VHD_BENCH_DIR (default os.tmpdir()), VHD_BENCH_FLAT_GIB (a second, larger disk with the same
// data for the RSS-flatness figure, default 160; 0 skips it).
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, ftruncateSync, writeSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GiB = 1024 ** 3;
const BLOCK = 2 * 1024 * 1024;
const child = fileURLToPath(new URL('./vhd-child.js', import.meta.url));

/** Sparse raw of `size` bytes with `data` bytes of random 2 MiB extents at seeded-random block positions. */
function makeRaw(path, size, data, seed = 42) {
  const blocks = Math.floor(size / BLOCK);
  const want = Math.floor(data / BLOCK);
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const chosen = new Set();
  while (chosen.size < want) chosen.add(Math.floor(rand() * blocks));
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  const buf = Buffer.allocUnsafe(BLOCK);
  for (const b of [...chosen].sort((x, y) => x - y)) {
    randomFillSync(buf);
    writeSync(fd, buf, 0, BLOCK, b * BLOCK);
  }
  closeSync(fd);
}

/** Runs a command under GNU time (-o keeps its report apart from the command's output). */
function timedRun(cmd, args, dir) {
  const timeFile = join(dir, 'time.txt');
  const stdout = execFileSync('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [seconds, kib] = execFileSync('cat', [timeFile], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  return { seconds, rssMiB: kib / 1024, stdout };
}

export async function vhdBench() {
  const sizeGiB = Number(process.env.VHD_BENCH_GIB ?? 20);
  const dataGiB = Number(process.env.VHD_BENCH_DATA_GIB ?? 2);
  const flatGiB = Number(process.env.VHD_BENCH_FLAT_GIB ?? 160);
  const dir = mkdtempSync(join(process.env.VHD_BENCH_DIR ?? tmpdir(), 'ingot-bench-'));
  const data = dataGiB * GiB;
  const mb = (n) => n / 1e6;
  try {
    console.log(`load average at the start: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / GiB).toFixed(0)} GiB RAM, node ${process.version}, ${execFileSync('qemu-img', ['--version'], { encoding: 'utf8' }).split('\n')[0]}`);
    const raw = join(dir, 'disk.raw');
    let t = performance.now();
    makeRaw(raw, sizeGiB * GiB, data);
    console.log(`raw: ${sizeGiB} GiB sparse, ${dataGiB} GiB of random data in ${data / BLOCK} scattered 2 MiB extents (written in ${((performance.now() - t) / 1000).toFixed(1)} s)`);

    const qemuOut = join(dir, 'qemu.vhd');
    const ingotOut = join(dir, 'ingot.vhd');
    // Every run starts with neither output file present and no dirty pages (an untimed `rm` of
    // both and `sync`), and qemu-img's output is made durable (`sync FILE`) inside its timing, as
    // ingot fsyncs before its rename: otherwise the second tool pays for flushing the first one's
    // output. Removing both outputs gives every run the same memory to reuse: on a VM that hands
    // free memory back to its host, page cache in fresh memory costs ~2 s of system time per GiB,
    // and a tool whose previous output was still there (or kept by the other tool) paid it.
    const settle = () => (rmSync(qemuOut, { force: true }), rmSync(ingotOut, { force: true }), execFileSync('sync'));
    const qemu = () => (settle(), timedRun('sh', ['-c', 'qemu-img convert -f raw -O vpc -o subformat=dynamic "$1" "$2" && sync "$2"', 'sh', raw, qemuOut], dir));
    const ingot = () => (settle(), timedRun(process.execPath, [child, 'convert', raw, ingotOut], dir));
    const ingotRandom = () => (settle(), timedRun(process.execPath, [child, 'convert', raw, ingotOut, 'random'], dir));
    // One untimed warm-up conversion (qemu-img's), then two rounds in mirrored order (q i r,
    // r i q), best of each: the machine is shared, and the first run after the raw file was
    // written pays for fresh memory. Every timed run is printed below.
    qemu();
    const best = (a, b) => (a.seconds <= b.seconds ? a : b);
    const q1 = qemu();
    const i1 = ingot();
    const r1 = ingotRandom();
    const r2 = ingotRandom();
    const i2 = ingot();
    const q2 = qemu();
    const [q, i, r] = [best(q1, q2), best(i1, i2), best(r1, r2)];
    console.log(`runs in order, wall s: qemu-img ${q1.seconds}, deterministic ${i1.seconds}, --no-deterministic ${r1.seconds}, --no-deterministic ${r2.seconds}, deterministic ${i2.seconds}, qemu-img ${q2.seconds}`);
    // The last run removed ingot's output: convert once more (untimed) for the checks.
    timedRun(process.execPath, [child, 'convert', raw, ingotOut], dir);
    const ci = timedRun(process.execPath, [child, 'check', ingotOut], dir);
    const cq = timedRun(process.execPath, [child, 'check', qemuOut], dir);
    // "work s" is the operation alone (inside the process, without Node's start-up); qemu-img has no such split.
    const work = (r) => JSON.parse(r.stdout).seconds;
    const rows = [
      ['qemu-img convert -O vpc -o subformat=dynamic (+ sync FILE)', q.seconds, q.seconds, q.rssMiB, statSync(qemuOut).size],
      ['ingot convert (deterministic: + SHA-256 of the data)', i.seconds, work(i), i.rssMiB, statSync(ingotOut).size],
      ['ingot convert --no-deterministic', r.seconds, work(r), r.rssMiB, statSync(ingotOut).size],
      ['ingot check ingot.vhd', ci.seconds, work(ci), ci.rssMiB, undefined],
      ['ingot check qemu.vhd', cq.seconds, work(cq), cq.rssMiB, undefined],
    ];
    console.log('\n| operation | wall s (process) | work s | MB/s of allocated data (work) | peak RSS MiB | output bytes |\n| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, wall, s, rss, size] of rows) console.log(`| ${name} | ${wall.toFixed(2)} | ${s.toFixed(2)} | ${(mb(data) / s).toFixed(0)} | ${rss.toFixed(1)} | ${size ?? ''} |`);
    console.log(`\nratio qemu-img / ingot, process wall time: deterministic ${(q.seconds / i.seconds).toFixed(2)}, --no-deterministic ${(q.seconds / r.seconds).toFixed(2)} (> 1 means ingot is faster)`);
    console.log(`check verdicts: ingot.vhd ${JSON.parse(ci.stdout).verdict} ${JSON.stringify(JSON.parse(ci.stdout).findings)}, qemu.vhd ${JSON.parse(cq.stdout).verdict} ${JSON.stringify(JSON.parse(cq.stdout).findings)}`);
    rmSync(qemuOut);
    rmSync(ingotOut);
    if (flatGiB > 0) {
      const big = join(dir, 'big.raw');
      makeRaw(big, flatGiB * GiB, data, 43);
      rmSync(raw);
      const b = timedRun(process.execPath, [child, 'convert', big, ingotOut], dir);
      const bc = timedRun(process.execPath, [child, 'check', ingotOut], dir);
      console.log(`\nflatness: ${flatGiB} GiB sparse with the same ${dataGiB} GiB of data: convert ${b.seconds.toFixed(2)} s, peak RSS ${b.rssMiB.toFixed(1)} MiB; check ${bc.seconds.toFixed(2)} s, peak RSS ${bc.rssMiB.toFixed(1)} MiB`);
      console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores shared with other work)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
