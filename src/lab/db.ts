// The lab's object database: one table per class, every record carrying every datamodel field,
// the inverse ref-set fields XAPI maintains (VM.VBDs, SR.VDIs, …), and a change log that feeds
// event.from (xapi.md §1.7: per-object coalescing, `del` without snapshot).
import { randomUUID } from 'node:crypto';
import type { XType } from './datamodel/types.js';
import { DATAMODEL } from './datamodel/generated.js';
import { XapiFault } from './fault.js';

export type Rec = Record<string, unknown>;
export type Op = 'add' | 'mod' | 'del';

export const NULL_REF = 'OpaqueRef:NULL';
export const newRef = (): string => `OpaqueRef:${randomUUID()}`;

/** XAPI datetimes: `YYYYMMDDTHH:MM:SSZ` (xapi.md §1.2). */
export function xapiDate(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/-/g, '');
}

export interface Change {
  id: number;
  cls: string;
  ref: string;
  op: Op;
  /** The change id at which the object was added, if it was added while logged. */
  addedAt: number | undefined;
}

/** [child class, child ref field, parent class, parent set field]: sets XAPI keeps in step. */
const INVERSE: ReadonlyArray<[string, string, string, string]> = [
  ['VBD', 'VM', 'VM', 'VBDs'],
  ['VBD', 'VDI', 'VDI', 'VBDs'],
  ['VIF', 'VM', 'VM', 'VIFs'],
  ['VIF', 'network', 'network', 'VIFs'],
  ['VDI', 'SR', 'SR', 'VDIs'],
  ['PBD', 'SR', 'SR', 'PBDs'],
  ['PBD', 'host', 'host', 'PBDs'],
  ['PIF', 'network', 'network', 'PIFs'],
  ['PIF', 'host', 'host', 'PIFs'],
  ['VM', 'resident_on', 'host', 'resident_VMs'],
  ['task', 'subtask_of', 'task', 'subtasks'],
];

export interface DbSnapshot {
  counter: number;
  tables: Record<string, Record<string, Rec>>;
}

export function zeroValue(type: XType): unknown {
  if (typeof type === 'string') {
    return { string: '', int: 0, float: 0, bool: false, datetime: '19700101T00:00:00Z', void: '' }[type];
  }
  switch (type[0]) {
    case 'ref':
      return NULL_REF;
    case 'set':
      return [];
    case 'map':
    case 'record':
      return {};
    case 'enum':
      return DATAMODEL.enums[type[1]]?.[0] ?? '';
    case 'option':
      return zeroValue(type[1]);
  }
}

export class Db {
  readonly #tables = new Map<string, Map<string, Rec>>();
  readonly #changes = new Map<string, Change>();
  readonly #listeners = new Set<() => void>();
  #counter = 0;
  /** Runs on every record as it is created or changed (allowed_operations, src/lab/allowed-ops.ts). */
  derive: ((cls: string, rec: Rec) => void) | undefined;
  /** The change log starts empty at this id; older tokens cannot be served (EVENTS_LOST). */
  readonly loggedFrom: number;

  constructor(snapshot?: DbSnapshot) {
    for (const cls of Object.keys(DATAMODEL.classes)) this.#tables.set(cls, new Map());
    this.loggedFrom = snapshot?.counter ?? 0;
    if (snapshot === undefined) return;
    this.#counter = snapshot.counter;
    for (const [cls, rows] of Object.entries(snapshot.tables)) {
      const table = this.#table(cls);
      for (const [ref, rec] of Object.entries(rows)) table.set(ref, withDefaults(cls, rec));
    }
  }

  get currentId(): number {
    return this.#counter;
  }

  /** Creates a record with every field defaulted; returns its ref. */
  create(cls: string, fields: Rec, ref: string = newRef()): string {
    // A record always gets its own uuid unless the caller chose one (copies pass none or '').
    const rec = withDefaults(cls, { ...fields, uuid: typeof fields.uuid === 'string' && fields.uuid !== '' ? fields.uuid : randomUUID() });
    this.derive?.(cls, rec);
    this.#table(cls).set(ref, rec);
    this.#log(cls, ref, 'add');
    for (const [child, field, parent, set] of INVERSE) {
      if (child === cls) this.#link(parent, rec[field], set, ref, true);
    }
    return ref;
  }

  find(cls: string, ref: unknown): Rec | undefined {
    return typeof ref === 'string' ? this.#table(cls).get(ref) : undefined;
  }

  /** The record, or HANDLE_INVALID [class, ref] (xapi.md §1.5). */
  get(cls: string, ref: unknown): Rec {
    const rec = this.find(cls, ref);
    if (rec === undefined) throw new XapiFault('HANDLE_INVALID', [cls, String(ref)]);
    return rec;
  }

  update(cls: string, ref: string, patch: Rec): Rec {
    const rec = this.get(cls, ref);
    for (const [child, field, parent, set] of INVERSE) {
      if (child !== cls || !(field in patch) || patch[field] === rec[field]) continue;
      this.#link(parent, rec[field], set, ref, false);
      this.#link(parent, patch[field], set, ref, true);
    }
    Object.assign(rec, patch);
    this.derive?.(cls, rec);
    this.#log(cls, ref, 'mod');
    return rec;
  }

  delete(cls: string, ref: string): void {
    const rec = this.get(cls, ref);
    for (const [child, field, parent, set] of INVERSE) {
      if (child === cls) this.#link(parent, rec[field], set, ref, false);
    }
    this.#table(cls).delete(ref);
    this.#log(cls, ref, 'del');
  }

  /** Records a `mod` without changing anything (event.inject). */
  touch(cls: string, ref: string): number {
    this.get(cls, ref);
    this.#log(cls, ref, 'mod');
    return this.#counter;
  }

  all(cls: string): [string, Rec][] {
    return [...this.#table(cls).entries()];
  }

  byUuid(cls: string, uuid: string): string | undefined {
    for (const [ref, rec] of this.#table(cls)) if (rec.uuid === uuid) return ref;
    return undefined;
  }

  /** Coalesced changes after `id`, oldest first. */
  changesSince(id: number): Change[] {
    return [...this.#changes.values()].filter((c) => c.id > id).sort((a, b) => a.id - b.id);
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(filter: (cls: string, rec: Rec) => boolean = () => true): DbSnapshot {
    const tables: DbSnapshot['tables'] = {};
    for (const [cls, table] of this.#tables) {
      tables[cls] = Object.fromEntries([...table].filter(([, rec]) => filter(cls, rec)));
    }
    return { counter: this.#counter, tables };
  }

  #table(cls: string): Map<string, Rec> {
    const table = this.#tables.get(cls);
    if (table === undefined) throw new XapiFault('HANDLE_INVALID', [cls, '']);
    return table;
  }

  #link(cls: string, parentRef: unknown, set: string, childRef: string, add: boolean): void {
    const parent = this.find(cls, parentRef);
    if (parent === undefined) return;
    const current = (parent[set] as string[] | undefined) ?? [];
    const next = add ? [...current.filter((r) => r !== childRef), childRef] : current.filter((r) => r !== childRef);
    parent[set] = next;
    this.#log(cls, parentRef as string, 'mod');
  }

  #log(cls: string, ref: string, op: Op): void {
    const id = ++this.#counter;
    const key = `${cls}/${ref}`;
    const previous = this.#changes.get(key);
    const addedAt = op === 'add' ? id : previous?.addedAt;
    this.#changes.set(key, { id, cls, ref, op, addedAt });
    for (const listener of this.#listeners) listener();
  }
}

/** Fills every datamodel field the record lacks with its default (or the type's zero value). */
export function withDefaults(cls: string, rec: Rec): Rec {
  const def = DATAMODEL.classes[cls];
  if (def === undefined) throw new Error(`no datamodel class ${cls}`);
  const out: Rec = {};
  for (const f of def.fields) {
    out[f.name] = rec[f.name] !== undefined ? rec[f.name] : structuredClone(f.default ?? zeroValue(f.type));
  }
  return out;
}
