// `npm run bench`: runs the benchmarks that print figures (never timed tests). Built code in dist/.
import { vhdBench } from './vhd.js';

console.log('# VHD engine (bench/vhd.js)');
await vhdBench();
