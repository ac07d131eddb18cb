// runLimited: at most N builds at once, every job run once in order of the command line, a failure
// not stopping the others, and nothing new started once the signal is aborted.
import { describe, expect, it } from 'vitest';
import { runLimited } from '../../../src/pipeline/build/many.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runLimited', () => {
  it.each([1, 2, 3, 10])('never runs more than %i at once and runs every job once', async (limit) => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const jobs = [0, 1, 2, 3, 4, 5, 6];
    const settled = await runLimited(jobs, limit, new AbortController().signal, async (job) => {
      started.push(job);
      running += 1;
      peak = Math.max(peak, running);
      await tick(5 + ((job * 7) % 11));
      running -= 1;
      return job * 10;
    });
    expect(peak).toBe(Math.min(limit, jobs.length));
    expect(started).toEqual(jobs);
    expect(settled.map((s) => (s.status === 'done' ? s.result : s.status))).toEqual([0, 10, 20, 30, 40, 50, 60]);
  });

  it('keeps going after a failure and reports it in the job\'s place', async () => {
    const settled = await runLimited(['a', 'bad', 'c'], 2, new AbortController().signal, async (job) => {
      await tick(1);
      if (job === 'bad') throw new Error('boom');
      return job.toUpperCase();
    });
    expect(settled.map((s) => s.status)).toEqual(['done', 'failed', 'done']);
    expect(settled[1]).toMatchObject({ job: 'bad', error: new Error('boom') });
  });

  it('starts nothing new once aborted; the running ones finish their own way', async () => {
    const controller = new AbortController();
    const settled = await runLimited([1, 2, 3, 4], 2, controller.signal, async (job) => {
      if (job === 2) controller.abort(); // both slots are taken by now
      await tick(5);
      return job;
    });
    expect(settled.map((s) => s.status)).toEqual(['done', 'done', 'not-started', 'not-started']);
  });
});
