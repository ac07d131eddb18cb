// Runs one VHD operation in its own process so the parent can measure its wall time and peak RSS.
// usage: node bench/vhd-child.js convert RAW OUT [random] | check VHD
import { checkVhd, convertToVhd } from '../dist/vhd/index.js';

const [op, a, b, mode] = process.argv.slice(2);
const start = performance.now();
let result;
if (op === 'convert') result = await convertToVhd(a, b, { deterministic: mode !== 'random' });
else if (op === 'check') result = await checkVhd(a);
else throw new Error(`unknown op ${op}`);
const seconds = (performance.now() - start) / 1000;
const summary = op === 'check' ? { verdict: result.verdict, findings: result.findings.map((f) => f.rule) } : { length: result.length };
process.stdout.write(`${JSON.stringify({ seconds, maxRssKiB: process.resourceUsage().maxRSS, ...summary })}\n`);
