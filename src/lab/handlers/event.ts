// event.from / event.inject (xapi.md §1.7): tokens, lower-case classes, coalesced add/mod/del, `del`
// without snapshot, an empty batch when the timeout expires, and valid_ref_counts (which npm
// xen-api reads after every batch to decide whether to refetch tasks).
import type { Handler, Lab } from '../context.js';
import type { Change } from '../db.js';
import { DATAMODEL } from '../datamodel/generated.js';
import { XapiFault } from '../fault.js';
import { type Wire, encodeRecord, str } from '../wire/value.js';

/** XAPI batches about 50 ms before answering (xapi_globs.ml event_from_delay). */
const BATCH_MS = 50;

const RECORD_CLASSES = Object.keys(DATAMODEL.classes).filter((c) => c !== 'event');

export function formatToken(id: number): string {
  return `${String(id).padStart(20, '0')},${'0'.repeat(20)}`;
}

function parseToken(token: string): number | undefined {
  if (token === '') return undefined;
  const m = /^(\d+)(?:,\d+)?$/.exec(token);
  if (m === null) throw new XapiFault('EVENT_FROM_TOKEN_PARSE_FAILURE', [token]);
  return Number(m[1]);
}

function matcher(classes: string[]): (cls: string, ref: string) => boolean {
  const wanted = classes.map((c) => c.toLowerCase());
  return (cls, ref) => wanted.some((w) => w === '*' || w === cls.toLowerCase() || w === `${cls.toLowerCase()}/${ref.toLowerCase()}`);
}

function eventWire(lab: Lab, id: number, cls: string, ref: string, op: string): Wire {
  const rec = lab.db.find(cls, ref);
  const fields: [string, Wire][] = [
    ['id', str(String(id))],
    ['timestamp', str((Date.now() / 1000).toFixed(6))],
    ['class', str(cls.toLowerCase())],
    ['operation', str(op)],
    ['ref', str(ref)],
  ];
  if (op !== 'del' && rec !== undefined) fields.push(['snapshot', encodeRecord(cls, rec)]);
  return { t: 'struct', v: fields };
}

function batch(lab: Lab, events: Wire[], token: number): Wire {
  // valid_ref_counts values are <i4> over XML-RPC (xapi.md §1.7).
  const counts: [string, Wire][] = RECORD_CLASSES.map((c) => [c.toLowerCase(), { t: 'i4', v: lab.db.all(c).length }]);
  return {
    t: 'struct',
    v: [
      ['events', { t: 'array', v: events }],
      ['valid_ref_counts', { t: 'struct', v: counts }],
      ['token', str(formatToken(token))],
    ],
  };
}

function opOf(change: Change, since: number): string {
  if (change.op === 'del') return 'del';
  return change.addedAt !== undefined && change.addedAt > since ? 'add' : 'mod';
}

const from: Handler = async ({ lab }, [classes, token, timeout]) => {
  const match = matcher(classes as string[]);
  const since = parseToken(String(token));
  if (since === undefined) {
    // "" means from the beginning: every existing object (xapi.md §1.7).
    const events = RECORD_CLASSES.flatMap((cls) =>
      lab.db.all(cls).filter(([ref]) => match(cls, ref)).map(([ref]) => eventWire(lab, lab.db.currentId, cls, ref, 'add')),
    );
    return batch(lab, events, lab.db.currentId);
  }
  // A token from before the lab's last start: the changes since are gone; the client must resync.
  if (since < lab.db.loggedFrom) throw new XapiFault('EVENTS_LOST', []);
  const deadline = Date.now() + Math.max(0, Number(timeout)) * 1000;
  const pending = () => lab.db.changesSince(since).filter((c) => match(c.cls, c.ref));
  while (pending().length === 0 && Date.now() < deadline && !lab.closing.aborted) {
    await waitForChange(lab, deadline - Date.now());
  }
  if (pending().length > 0) await new Promise((r) => setTimeout(r, BATCH_MS));
  const now = lab.db.currentId;
  const events = pending().map((c) => eventWire(lab, c.id, c.cls, c.ref, opOf(c, since)));
  return batch(lab, events, now);
};

function waitForChange(lab: Lab, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      lab.closing.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const unsubscribe = lab.db.subscribe(done);
    lab.closing.addEventListener('abort', done);
  });
}

export const EVENT_HANDLERS: Record<string, Handler> = {
  'event.from': from,
  'event.inject': ({ lab }, [cls, ref]) => {
    const name = RECORD_CLASSES.find((c) => c.toLowerCase() === String(cls).toLowerCase());
    if (name === undefined || lab.db.find(name, ref) === undefined) throw new XapiFault('HANDLE_INVALID', [String(cls), String(ref)]);
    // The token starts just before the injected change, so the next event.from returns it.
    return formatToken(lab.db.touch(name, String(ref)) - 1);
  },
  'event.get_current_id': ({ lab }) => lab.db.currentId,
};
