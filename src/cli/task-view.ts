// listr2 on a terminal: the stages of one build as a task list, or one task group per build when
// several run side by side. The pipeline knows nothing of listr2 (STYLE.md §7): this view only
// mirrors the `stage`, `progress` and `log` events the builds report. Every title, output line and
// error message it hands to listr2 passes the redactor first.
import { Listr, type ListrTask, type ListrTaskWrapper } from 'listr2';
import type { Redactor } from '../redact.js';
import type { IngotEvent } from './events.js';
import { progressText } from './progress.js';

export interface StageSpec {
  id: string;
  title: string;
}

export interface GroupSpec {
  /** The build id; events carry it in `build.id`. */
  key: string;
  label: string;
  stages: readonly StageSpec[];
}

type Outcome = { status: 'done'; detail?: string } | { status: 'skip'; detail?: string } | { status: 'fail'; message: string };
type Wrapper = ListrTaskWrapper<unknown, never, never>;

class Deferred<T> {
  resolve!: (value: T) => void;
  readonly promise = new Promise<T>((resolve) => {
    this.resolve = resolve;
  });
}

interface StageState {
  spec: StageSpec;
  outcome: Deferred<Outcome>;
  settled: boolean;
  failed: boolean;
  output?: string;
  task?: Wrapper;
}

interface GroupState {
  spec: GroupSpec;
  started: Deferred<boolean>;
  stages: Map<string, StageState>;
  current?: StageState;
  task?: Wrapper;
}

export class TaskView {
  readonly #groups = new Map<string, GroupState>();
  readonly #redactor: Redactor;
  readonly #listr: Listr<unknown>;
  #running: Promise<void> | undefined;

  constructor(groups: readonly GroupSpec[], redactor: Redactor, options: { parallel: number }) {
    this.#redactor = redactor;
    for (const spec of groups) {
      const stages = new Map(spec.stages.map((s) => [s.id, { spec: s, outcome: new Deferred<Outcome>(), settled: false, failed: false }] as const));
      this.#groups.set(spec.key, { spec, started: new Deferred<boolean>(), stages });
    }
    const common = {
      // ingot's own SIGINT/SIGTERM handler unwinds the builds; listr2's would exit the process at once.
      registerSignalListeners: false,
      fallbackRendererCondition: false,
      rendererOptions: { collapseSubtasks: false, collapseErrors: false, formatOutput: 'truncate' as const },
    };
    const states = [...this.#groups.values()];
    if (states.length === 1) {
      const only = states[0]!;
      only.started.resolve(true);
      this.#listr = new Listr<unknown>(this.#stageTasks(only), { ...common, concurrent: false, exitOnError: true });
    } else {
      const tasks = states.map((group): ListrTask<unknown> => ({
        title: this.#text(`${group.spec.label} — waiting (--parallel ${options.parallel})`),
        task: async (_ctx, task) => {
          const started = await group.started.promise;
          if (!started) {
            task.skip(this.#text(`${group.spec.label} — not started`));
            return undefined;
          }
          group.task = task as unknown as Wrapper;
          task.title = this.#text(`${group.spec.label} (${group.spec.key})`);
          return task.newListr(this.#stageTasks(group), { concurrent: false, exitOnError: true });
        },
      }));
      this.#listr = new Listr<unknown>(tasks, { ...common, concurrent: true, exitOnError: false });
    }
  }

  start(): void {
    // A failed build is reported by the command itself; the list only shows it.
    this.#running = this.#listr.run().then(() => undefined, () => undefined);
  }

  /** Waits for listr2 to draw its last frame and give the terminal back. */
  async close(): Promise<void> {
    await this.#running;
  }

  /** The build began running (it may have waited for a free slot). */
  begin(key: string): void {
    this.#groups.get(key)?.started.resolve(true);
  }

  /** The build ended: its failed stage shows the error; a build that never began says so. */
  finish(key: string, error?: string): void {
    const group = this.#groups.get(key);
    if (group === undefined) return;
    group.started.resolve(false);
    if (group.task) {
      group.task.title = this.#text(`${group.spec.label} (${group.spec.key}) — ${error === undefined ? 'built' : 'failed'}`);
      group.task = undefined;
    }
    for (const stage of group.stages.values()) {
      if (stage.settled) continue;
      if (stage.failed || (error !== undefined && stage === group.current)) this.#settle(stage, { status: 'fail', message: error ?? 'failed' });
    }
    // Stages after a failure are never reached: listr2 leaves them pending, as they were.
  }

  /** Takes the events it can show; false for those the caller should still print. */
  handle(event: IngotEvent): boolean {
    const group = this.#groups.get(event.build?.id ?? '') ?? (this.#groups.size === 1 ? [...this.#groups.values()][0] : undefined);
    if (group === undefined) return false;
    switch (event.event) {
      case 'stage': {
        const stage = group.stages.get(event.stage);
        if (stage === undefined) return false;
        if (event.status === 'start') {
          group.current = stage;
        } else if (event.status === 'fail') {
          stage.failed = true;
        } else {
          this.#settle(stage, { status: event.status, ...(event.detail ? { detail: event.detail } : {}) });
        }
        return true;
      }
      case 'progress':
        this.#show(group, progressText(event));
        return true;
      case 'log':
        if (event.level === 'debug') return false;
        this.#show(group, event.level === 'warn' ? `warning: ${event.message}` : event.message);
        // Warnings are printed as well: listr2 holds writes back until it ends, so they stay visible.
        return event.level !== 'warn';
      default:
        return false;
    }
  }

  #stageTasks(group: GroupState): ListrTask<unknown>[] {
    return [...group.stages.values()].map((stage) => ({
      title: this.#text(stage.spec.title),
      task: async (_ctx, task) => {
        stage.task = task as unknown as Wrapper;
        if (stage.output !== undefined) task.output = stage.output;
        const outcome = await stage.outcome.promise;
        stage.task = undefined;
        if (outcome.status === 'skip') task.skip(this.#text(`${stage.spec.title} — skipped${outcome.detail ? `: ${outcome.detail}` : ''}`));
        else if (outcome.status === 'fail') throw new Error(this.#text(outcome.message));
        else if (outcome.detail) task.title = this.#text(`${stage.spec.title} — ${outcome.detail}`);
      },
    }));
  }

  #settle(stage: StageState, outcome: Outcome): void {
    stage.settled = true;
    stage.outcome.resolve(outcome);
  }

  #show(group: GroupState, text: string): void {
    const stage = group.current;
    if (stage === undefined) return;
    stage.output = this.#text(text);
    if (stage.task) stage.task.output = stage.output;
  }

  #text(text: string): string {
    return this.#redactor.text(text);
  }
}
