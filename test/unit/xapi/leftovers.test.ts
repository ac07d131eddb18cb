import { describe, expect, it } from 'vitest';
import { newBuildId } from '../../../src/pipeline/build/context.js';
import { buildStarted, olderThan, type Leftover } from '../../../src/xapi/leftovers.js';

const leftover = (build: string): Leftover => ({ kind: 'VM', ref: 'OpaqueRef:1', uuid: 'u', name: 'n', build, state: 'Halted' });

describe('ingot clean --older-than', () => {
  it('reads the start time back from a build id made by the pipeline', () => {
    const when = new Date('2026-11-27T10:11:12Z');
    expect(buildStarted(newBuildId('debian-12', when))).toEqual(when);
  });

  it('keeps only builds older than the age, and never one whose age it cannot tell', () => {
    const now = Date.parse('2026-11-27T12:00:00Z');
    const old = leftover(newBuildId('a', new Date('2026-11-27T09:00:00Z')));
    const recent = leftover(newBuildId('b', new Date('2026-11-27T11:30:00Z')));
    const odd = leftover('hand-made-id');
    expect(olderThan([old, recent, odd], 2 * 3600_000, now)).toEqual([old]);
  });
});
