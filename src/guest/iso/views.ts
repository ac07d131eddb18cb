// One directory hierarchy as a volume sees it: the primary volume (level 1 names + Rock Ridge)
// or the Joliet volume (UCS-2 names). Both point at the same file extents.
import { compareIdentifiers, jolietName, primaryNames } from './names.js';
import { recordBase, recordLength } from './records.js';
import { CE_SIZE, RR_NM, RR_PX, RR_TF, type SuspEntry, entrySize, er, nm, px, rr, sp, splitEntries, tf } from './rockridge.js';
import type { DirNode, FileNode } from './tree.js';

export type Flavour = 'primary' | 'joliet';

export interface RecordPlan {
  identifier: Buffer;
  target: { kind: 'dir'; view: DirView } | { kind: 'file'; file: FileNode };
  inline: SuspEntry[];
  spill: SuspEntry[];
  length: number;
  /** Filled by the layout: where the spilled entries live (SUSP CE). */
  continuation?: { block: number; offset: number; length: number };
}

export interface DirView {
  node: DirNode;
  identifier: Buffer;
  parent: DirView | undefined;
  /** 1-based position in the path table (§9.4.5). */
  number: number;
  records: RecordPlan[];
  extent: number;
  size: number;
}

const DIR_MODE = 0o040555;
const FILE_MODE = 0o100444;

/** Builds the views breadth-first, which is the path table order of §9.4 (level, parent, name). */
export function buildViews(root: DirNode, flavour: Flavour, epochSeconds: number): DirView[] {
  const views: DirView[] = [];
  const rootView: DirView = { node: root, identifier: Buffer.from([0]), parent: undefined, number: 1, records: [], extent: 0, size: 0 };
  const queue: DirView[] = [rootView];
  for (let view = queue.shift(); view !== undefined; view = queue.shift()) {
    views.push(view);
    view.number = views.length;
    const kids = view.node.children;
    const ids = flavour === 'primary'
      ? primaryNames(kids.map((k) => ({ name: k.name, dir: k.kind === 'dir' }))).map((s) => Buffer.from(s, 'latin1'))
      : kids.map((k) => jolietName(k.name));
    const unit = flavour === 'primary' ? 1 : 2;
    const order = kids.map((_, i) => i).sort((a, b) => compareIdentifiers(ids[a] as Buffer, ids[b] as Buffer, unit));
    const self = view;
    const parent = view.parent ?? view;
    const rrFor = (extra: SuspEntry[], links: number, mode: number, flags: number): SuspEntry[] =>
      flavour === 'primary' ? [rr(flags), px(mode, links), tf(epochSeconds), ...extra] : [];
    const dirLinks = (d: DirNode): number => 2 + d.children.filter((c) => c.kind === 'dir').length;
    const records: RecordPlan[] = [
      plan(Buffer.from([0]), { kind: 'dir', view: self }, view === rootView && flavour === 'primary'
        ? [sp(), ...rrFor([], dirLinks(view.node), DIR_MODE, RR_PX | RR_TF), er()]
        : rrFor([], dirLinks(view.node), DIR_MODE, RR_PX | RR_TF)),
      plan(Buffer.from([1]), { kind: 'dir', view: parent }, rrFor([], dirLinks(parent.node), DIR_MODE, RR_PX | RR_TF)),
    ];
    for (const i of order) {
      const kid = kids[i] as FileNode | DirNode;
      const id = ids[i] as Buffer;
      if (kid.kind === 'dir') {
        const sub: DirView = { node: kid, identifier: id, parent: view, number: 0, records: [], extent: 0, size: 0 };
        queue.push(sub);
        records.push(plan(id, { kind: 'dir', view: sub }, rrFor(nm(kid.name), dirLinks(kid), DIR_MODE, RR_PX | RR_TF | RR_NM)));
      } else {
        records.push(plan(id, { kind: 'file', file: kid }, rrFor(nm(kid.name), 1, FILE_MODE, RR_PX | RR_TF | RR_NM)));
      }
    }
    view.records = records;
  }
  return views;
}

function plan(identifier: Buffer, target: RecordPlan['target'], entries: SuspEntry[]): RecordPlan {
  // Keep the record within 255 bytes and even (§9.1.1); the room is what is left after the name.
  const room = 254 - recordBase(identifier.length);
  const { inline, spill } = splitEntries(entries, room);
  const inlineSize = inline.reduce((s, e) => s + entrySize(e), 0) + (spill.length > 0 ? CE_SIZE : 0);
  return { identifier, target, inline, spill, length: recordLength(identifier.length, inlineSize) };
}
