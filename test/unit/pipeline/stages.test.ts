import { describe, expect, it } from 'vitest';
import type { IngotEvent } from '../../../src/cli/events.js';
import { IngotError } from '../../../src/errors/index.js';
import { CleanupStack } from '../../../src/pipeline/cleanup.js';
import { runStages, type Stage } from '../../../src/pipeline/stages.js';

interface World {
  created: string[];
}

function harness() {
  const events: IngotEvent[] = [];
  const world: World = { created: [] };
  const cleanup = new CleanupStack();
  const create = (name: string): Stage<World> => ({
    id: name,
    title: `create ${name}`,
    async run(w) {
      w.created.push(name);
      cleanup.register(`object ${name}`, async () => {
        w.created.splice(w.created.indexOf(name), 1);
      });
      return `${name} made`;
    },
  });
  return { events, world, cleanup, create, report: (e: IngotEvent) => events.push(e) };
}

const failing: Stage<World> = {
  id: 'boom',
  title: 'fail',
  async run() {
    throw new IngotError('TOOL_FAILED', 'stage exploded');
  },
};

describe('running stages', () => {
  it('runs every stage in order, reports start/done with details, and leaves created objects to the caller on success', async () => {
    const h = harness();
    const timings = await runStages([h.create('vdi'), h.create('vm')], h.world, { report: h.report, signal: new AbortController().signal, cleanup: h.cleanup, keep: false });
    expect(timings.map((t) => [t.id, t.status, t.detail])).toEqual([['vdi', 'done', 'vdi made'], ['vm', 'done', 'vm made']]);
    expect(h.events.filter((e) => e.event === 'stage').map((e) => `${(e as { stage: string }).stage}:${(e as { status: string }).status}`)).toEqual(['vdi:start', 'vdi:done', 'vm:start', 'vm:done']);
    expect(h.world.created).toEqual(['vdi', 'vm']);
  });

  it('removes everything created, newest first, when a stage fails, and rethrows the failure', async () => {
    const h = harness();
    const order: string[] = [];
    h.cleanup.register('first', async () => void order.push('first'));
    h.cleanup.register('second', async () => void order.push('second'));
    await expect(runStages([h.create('vdi'), failing, h.create('never')], h.world, { report: h.report, signal: new AbortController().signal, cleanup: h.cleanup, keep: false })).rejects.toThrow('stage exploded');
    expect(h.world.created).toEqual([]);
    expect(order).toEqual(['second', 'first']);
    expect(h.events).toContainEqual({ event: 'stage', stage: 'boom', status: 'fail', title: 'fail' });
  });

  it('keeps what was created with --keep and says what was left', async () => {
    const h = harness();
    await expect(runStages([h.create('vm'), failing], h.world, { report: h.report, signal: new AbortController().signal, cleanup: h.cleanup, keep: true })).rejects.toThrow();
    expect(h.world.created).toEqual(['vm']);
    expect(h.events).toContainEqual(expect.objectContaining({ event: 'log', level: 'warn', message: expect.stringContaining('object vm') }));
  });

  it('goes on cleaning when one cleanup action fails, and reports the leftover', async () => {
    const h = harness();
    let ran = false;
    h.cleanup.register('survivor', async () => void (ran = true));
    h.cleanup.register('stubborn VDI', async () => {
      throw new Error('VDI_IN_USE');
    });
    await expect(runStages([failing], h.world, { report: h.report, signal: new AbortController().signal, cleanup: h.cleanup, keep: false })).rejects.toThrow();
    expect(ran).toBe(true);
    expect(h.events).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('could not remove stubborn VDI') }));
  });

  it('stops at an abort (Ctrl-C), unwinds, and reports an interruption', async () => {
    const h = harness();
    const controller = new AbortController();
    const interrupting: Stage<World> = { id: 'wait', title: 'wait', async run() { controller.abort(); throw new Error('aborted'); } };
    const error = await runStages([h.create('vdi'), interrupting, h.create('vm')], h.world, { report: h.report, signal: controller.signal, cleanup: h.cleanup, keep: false }).catch((e: unknown) => e);
    expect((error as IngotError).code).toBe('INTERRUPTED');
    expect(h.world.created).toEqual([]);
  });

  it('reports skipped stages with their reason', async () => {
    const h = harness();
    const push: Stage<World> = { id: 'push', title: 'push', skip: () => 'no push section', async run() { throw new Error('must not run'); } };
    const timings = await runStages([push], h.world, { report: h.report, signal: new AbortController().signal, cleanup: h.cleanup, keep: false });
    expect(timings).toEqual([{ id: 'push', status: 'skip', seconds: 0, detail: 'no push section' }]);
  });
});
