// What library code reports while it works. Only src/cli turns these into terminal output;
// everything else receives a `Report` callback (STYLE.md §7).

export type LogLevel = 'debug' | 'info' | 'warn';

/** Which build an event belongs to (`ingot build` with one or more recipes). */
export interface BuildTag {
  recipe: string;
  id: string;
}

export type IngotEvent = (
  | { event: 'log'; level: LogLevel; message: string }
  | { event: 'stage'; stage: string; status: 'start' | 'done' | 'skip' | 'fail'; title?: string; detail?: string }
  | { event: 'progress'; stage: string; done: number; total?: number; unit: 'bytes' | 'items' | 'percent'; rate?: number }
  // A result may lift a few fields to the top level where a command's contract names them
  // (`ingot lab --json` promises `url`, `user` and `fingerprint` on its line, issue 4).
  | ({ event: 'result'; command: string; ok: boolean; data: unknown } & { [field: string]: unknown })
  | { event: 'error'; code: string; message: string; hint?: string; exit: number }
) & { build?: BuildTag };

export type Report = (event: IngotEvent) => void;

/** A Report that drops everything: for library calls whose progress nobody watches. */
export const silent: Report = () => {};
