// Throttled byte progress through the Report callback (never the terminal; STYLE.md §7).
import type { Report } from '../cli/events.js';

/** Returns `tick(done)`; it reports at most every 200 ms, and always the final value. */
export function byteProgress(report: Report, stage: string, total: number): (done: number) => void {
  const start = performance.now();
  let last = -Infinity;
  return (done) => {
    const now = performance.now();
    if (now - last < 200 && done < total) return;
    last = now;
    const seconds = (now - start) / 1000;
    report({ event: 'progress', stage, done, total, unit: 'bytes', ...(seconds > 0 ? { rate: Math.round(done / seconds) } : {}) });
  };
}
