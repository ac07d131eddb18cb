import { describe, expect, it } from 'vitest';
import { IngotError } from '../../../src/errors/index.js';
import { Output, chooseMode, type OutputMode } from '../../../src/cli/output.js';
import { presentError } from '../../../src/cli/present.js';
import { Redactor } from '../../../src/redact.js';

function capture(mode: OutputMode, verbosity: 'quiet' | 'normal' | 'verbose' = 'normal') {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const streams = { stdout: { write: (s: string) => stdout.push(s) }, stderr: { write: (s: string) => stderr.push(s) } };
  const redactor = new Redactor();
  const out = new Output({ mode, verbosity, redactor, streams });
  return { out, streams, redactor, stdout: () => stdout.join(''), stderr: () => stderr.join('') };
}

describe('output mode', () => {
  it('is plain when stdout is not a TTY or CI is set, json when asked, tty otherwise', () => {
    expect(chooseMode(false, false, {})).toBe('plain');
    expect(chooseMode(false, true, { CI: 'true' })).toBe('plain');
    expect(chooseMode(false, true, { CI: 'false' })).toBe('tty');
    expect(chooseMode(true, true, {})).toBe('json');
    expect(chooseMode(false, true, {})).toBe('tty');
  });
});

describe('plain output', () => {
  it('prints stages and info, hides debug unless verbose, and only warnings when quiet', () => {
    const normal = capture('plain');
    normal.out.emit({ event: 'stage', stage: 'export', status: 'done', title: 'export the disk' });
    normal.out.log('debug', 'dbg line');
    normal.out.log('info', 'info line');
    expect(normal.stdout()).toContain('✔ export the disk');
    expect(normal.stdout()).toContain('info line');
    expect(normal.stdout()).not.toContain('dbg line');

    const verbose = capture('plain', 'verbose');
    verbose.out.log('debug', 'dbg line');
    expect(verbose.stdout()).toContain('dbg line');

    const quiet = capture('plain', 'quiet');
    quiet.out.log('info', 'info line');
    quiet.out.log('warn', 'careful');
    quiet.out.emit({ event: 'stage', stage: 'x', status: 'done' });
    expect(quiet.stdout()).toBe('');
    expect(quiet.stderr()).toBe('warning: careful\n');
  });

  it('prints at most one progress line per 10 percent', () => {
    const c = capture('plain');
    for (let done = 0; done <= 1000; done += 10) c.out.emit({ event: 'progress', stage: 'upload', done, total: 1000, unit: 'items' });
    const lines = c.stdout().trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.at(-1)).toContain('100%');
  });
});

describe('several builds in plain output', () => {
  it('starts each line of a build with its label, errors and warnings included, and redacts them', () => {
    const c = capture('plain');
    c.redactor.add('sekrit-value');
    const a = c.out.forBuild({ recipe: 'debian-12', id: 'debian-12-1' }, 'debian-12');
    const b = c.out.forBuild({ recipe: 'ubuntu', id: 'ubuntu-1' }, 'ubuntu');
    a({ event: 'stage', stage: 'disk', status: 'done', title: 'import the disk' });
    b({ event: 'log', level: 'warn', message: 'slow sekrit-value' });
    c.out.buildError({ recipe: 'ubuntu', id: 'ubuntu-1' }, { code: 'STEP_FAILED', message: 'step 2 failed', hint: 'see above', exit: 1 });
    expect(c.stdout()).toBe('[debian-12] ✔ import the disk\n');
    expect(c.stderr()).toBe('[ubuntu] warning: slow [redacted]\n[ubuntu] error[STEP_FAILED]: step 2 failed\n[ubuntu]   hint: see above\n');
  });

  it('keeps each build\'s progress lines apart (one per 10 % per build and stage)', () => {
    const c = capture('plain');
    const a = c.out.forBuild({ recipe: 'a', id: 'a-1' }, 'a');
    const b = c.out.forBuild({ recipe: 'b', id: 'b-1' }, 'b');
    for (let done = 0; done <= 100; done += 5) {
      a({ event: 'progress', stage: 'export', done, total: 100, unit: 'items' });
      b({ event: 'progress', stage: 'export', done, total: 100, unit: 'items' });
    }
    const lines = c.stdout().trim().split('\n');
    expect(lines.filter((l) => l.startsWith('[a] '))).toHaveLength(11);
    expect(lines.filter((l) => l.startsWith('[b] '))).toHaveLength(11);
  });

  it('in --json, tags every event with its build', () => {
    const c = capture('json');
    c.out.forBuild({ recipe: 'a', id: 'a-1' })({ event: 'stage', stage: 'vm', status: 'start' });
    c.out.buildError({ recipe: 'a', id: 'a-1' }, { code: 'XAPI_ERROR', message: 'm', exit: 4 });
    expect(c.stdout().trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { event: 'stage', stage: 'vm', status: 'start', build: { recipe: 'a', id: 'a-1' } },
      { event: 'error', code: 'XAPI_ERROR', message: 'm', exit: 4, build: { recipe: 'a', id: 'a-1' } },
    ]);
  });
});

describe('json output', () => {
  it('writes one redacted JSON object per event', () => {
    const c = capture('json');
    c.redactor.add('sekrit-value');
    c.out.log('info', 'using sekrit-value');
    c.out.emit({ event: 'result', command: 'x', ok: true, data: { password: 'p', n: 1 } });
    const events = c.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toEqual([
      { event: 'log', level: 'info', message: 'using [redacted]' },
      { event: 'result', command: 'x', ok: true, data: { password: '[redacted]', n: 1 } },
    ]);
  });
});

describe('the error presenter', () => {
  it('prints code, message and hint, and returns the code\'s exit status', () => {
    const c = capture('plain');
    const status = presentError(new IngotError('CONFIG_INVALID', 'bad thing', { hint: 'do this' }), { ...c, verbose: false });
    expect(status).toBe(3);
    expect(c.stderr()).toBe('error[CONFIG_INVALID]: bad thing\n  hint: do this\n');
  });

  it('shows the cause chain only with --verbose', () => {
    const err = new IngotError('TOOL_FAILED', 'qemu-img failed', { cause: new Error('exit 1: no space') });
    const quiet = capture('plain');
    presentError(err, { ...quiet, verbose: false });
    expect(quiet.stderr()).not.toContain('no space');
    const verbose = capture('plain');
    presentError(err, { ...verbose, verbose: true });
    expect(verbose.stderr()).toContain('cause: Error: exit 1: no space');
  });

  it('calls an unexpected error a bug, with versions and the stack, and exits 70', () => {
    const c = capture('plain');
    const status = presentError(new TypeError('x is undefined'), { ...c, verbose: false });
    expect(status).toBe(70);
    expect(c.stderr()).toContain('this is a bug in ingot: x is undefined');
    expect(c.stderr()).toMatch(/ingot \d+\.\d+\.\d+, node v\d+/);
    expect(c.stderr()).toContain('at ');
  });
});
