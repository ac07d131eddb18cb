// The input of the ISO writer: a small tree of named files and directories, checked and
// normalised before any byte is laid out, so a bad name fails early with the path that is wrong.
import { stat } from 'node:fs/promises';
import { IngotError } from '../../errors/index.js';

/** A file whose bytes are read from disk while the image streams (its size is taken up front). */
export class IsoFileRef {
  constructor(readonly path: string) {}
}

/** Marks a path on disk as a file of the image: `{ 'user-data': isoFile('/tmp/ud') }`. */
export function isoFile(path: string): IsoFileRef {
  return new IsoFileRef(path);
}

/**
 * A directory: names map to file contents (bytes), files on disk (`isoFile`) or subdirectories.
 * A name may contain `/` (`'openstack/latest/meta_data.json'`): the directories are created.
 */
export interface IsoTree {
  [name: string]: IsoNode;
}
export type IsoNode = Uint8Array | IsoFileRef | IsoTree;

export interface FileNode {
  kind: 'file';
  name: string;
  /** Same object for the same content: the writer stores such files once (shared extent). */
  source: Uint8Array | IsoFileRef;
  size: number;
}
export interface DirNode {
  kind: 'dir';
  name: string;
  children: Array<FileNode | DirNode>;
}

/**
 * ECMA-119 §6.8.2.1 limits the hierarchy to 8 levels (root included). Rock Ridge readers cope
 * with more only through directory relocation (RRIP RE/CL), which seed media never need.
 */
export const MAX_DEPTH = 8;
/** Joliet allows at most 64 UCS-2 characters per name (Joliet spec §5.1); RRIP NM has no such limit. */
export const MAX_NAME = 64;
/** ISO 9660 records sizes in 32 bits (§9.1.4); files this large would need multi-extent records. */
const MAX_FILE = 0xffff_ffff;

function invalid(message: string, hint: string): IngotError {
  return new IngotError('ISO_INVALID', message, { hint });
}

function checkName(name: string, where: string): void {
  if (name === '' || name === '.' || name === '..') {
    throw invalid(`ISO tree: "${where}" has an empty, "." or ".." name component.`, 'Name every file and directory with a plain, non-empty name.');
  }
  if (name.length > MAX_NAME) {
    throw invalid(`ISO tree: the name "${name}" in "${where}" is ${name.length} characters long; at most ${MAX_NAME} fit a Joliet name.`, 'Use a shorter file name.');
  }
  if (/[\u0000-\u001f\\]/.test(name) || /[\ud800-\udfff]/.test(name)) {
    throw invalid(`ISO tree: the name ${JSON.stringify(name)} in "${where}" contains a control character, a backslash or a character outside the Basic Multilingual Plane.`, 'Use printable characters only.');
  }
}

function isFileContent(node: IsoNode): node is Uint8Array | IsoFileRef {
  return node instanceof Uint8Array || node instanceof IsoFileRef;
}

/** Checks names, depth and sizes and reads the size of every file on disk. */
export async function normalizeTree(tree: IsoTree): Promise<DirNode> {
  const root: DirNode = { kind: 'dir', name: '', children: [] };
  for (const [key, node] of Object.entries(tree)) await insert(root, key.split('/'), node, key, 1);
  return root;
}

async function insert(dir: DirNode, parts: string[], node: IsoNode, where: string, depth: number): Promise<void> {
  const [name, ...rest] = parts;
  if (name === undefined) return;
  checkName(name, where);
  const existing = dir.children.find((child) => child.name === name);
  if (rest.length > 0 || !isFileContent(node)) {
    if (depth + 1 > MAX_DEPTH) {
      throw invalid(`ISO tree: "${where}" needs more than ${MAX_DEPTH} directory levels (root included), the ISO 9660 limit.`, 'Flatten the tree.');
    }
    if (existing?.kind === 'file') throw invalid(`ISO tree: "${where}" is both a file and a directory.`, 'Give the file and the directory different names.');
    const sub: DirNode = existing ?? { kind: 'dir', name, children: [] };
    if (existing === undefined) dir.children.push(sub);
    if (rest.length > 0) return insert(sub, rest, node, where, depth + 1);
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      throw invalid(`ISO tree: "${where}" is a ${typeof node}; expected bytes (Buffer), isoFile(path) or a directory object.`, 'Wrap text in Buffer.from(text); point at a file on disk with isoFile(path).');
    }
    for (const [key, child] of Object.entries(node as IsoTree)) await insert(sub, key.split('/'), child, `${where}/${key}`, depth + 1);
    return;
  }
  if (existing !== undefined) throw invalid(`ISO tree: "${where}" is given twice.`, 'Give each file one entry.');
  const size = node instanceof IsoFileRef ? await sizeOf(node.path, where) : node.byteLength;
  if (size > MAX_FILE) throw invalid(`ISO tree: "${where}" is ${size} bytes; ISO 9660 files hold at most ${MAX_FILE}.`, 'Seed media carry small files only.');
  dir.children.push({ kind: 'file', name, source: node, size });
}

async function sizeOf(path: string, where: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    return info.size;
  } catch (cause) {
    throw new IngotError('INPUT_UNREADABLE', `ISO tree: cannot read "${path}" for "${where}".`, { cause, hint: 'Check that the file exists and is a regular, readable file.' });
  }
}
