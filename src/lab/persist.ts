// The lab's state survives restarts: the database is written to <state>/db.json (atomically, via
// a temporary file) shortly after every change, and read back on start.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Db, type DbSnapshot, NULL_REF } from './db.js';

export const DB_FILE = 'db.json';

export async function loadDb(dir: string): Promise<Db | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, DB_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const db = new Db(JSON.parse(text) as DbSnapshot);
  // No guest outlives the lab process: what was running is halted now.
  for (const [ref, vm] of db.all('VM')) {
    if (vm.is_control_domain === true || vm.power_state === 'Halted') continue;
    db.update('VM', ref, { power_state: 'Halted', domid: -1, resident_on: NULL_REF });
  }
  for (const cls of ['VBD', 'VIF']) for (const [ref, rec] of db.all(cls)) if (rec.currently_attached === true) db.update(cls, ref, { currently_attached: false });
  for (const [ref, task] of db.all('task')) {
    if (task.status === 'pending') db.update('task', ref, { status: 'failure', progress: 1, error_info: ['INTERNAL_ERROR', 'the lab host restarted'] });
  }
  return db;
}

/** Debounced, serialised writer: at most one write in flight, the latest state always wins. */
export class Saver {
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly db: Db,
  ) {}

  schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, 200);
  }

  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#writing = this.#writing.then(async () => {
      const path = join(this.dir, DB_FILE);
      await writeFile(`${path}.tmp`, JSON.stringify(this.db.snapshot()), { mode: 0o600 });
      await rename(`${path}.tmp`, path);
    });
    return this.#writing;
  }
}
