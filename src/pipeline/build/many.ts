// Several independent builds side by side (issue 5 item 9). ingot adds no scheduler of its own:
// XAPI places each VM; this only keeps at most `limit` builds running. Each build is a whole
// runBuild (own id, cleanup stack, manifest); one failing does not stop the others; once the signal
// is aborted no queued build starts, and the running ones unwind through their own stages.

export type Settled<J, R> =
  | { job: J; status: 'done'; result: R }
  | { job: J; status: 'failed'; error: unknown }
  | { job: J; status: 'not-started' };

export async function runLimited<J, R>(jobs: readonly J[], limit: number, signal: AbortSignal, run: (job: J) => Promise<R>): Promise<Settled<J, R>[]> {
  const settled: Settled<J, R>[] = jobs.map((job) => ({ job, status: 'not-started' }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length && !signal.aborted) {
      const index = next;
      next += 1;
      const job = jobs[index]!;
      try {
        settled[index] = { job, status: 'done', result: await run(job) };
      } catch (error) {
        settled[index] = { job, status: 'failed', error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, worker));
  return settled;
}
