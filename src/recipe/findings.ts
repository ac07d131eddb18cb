// A finding: one thing wrong with a recipe, placed at file:line:col and named by its dotted path.
export interface Finding {
  file: string;
  line: number;
  col: number;
  /** Dotted path of the offending node, e.g. `provision[2].upload.mode`; "" for the whole recipe. */
  path: string;
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
}

export type PathSegment = string | number;

/** `['provision', 2, 'upload', 'mode']` → `provision[2].upload.mode`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** The text form `ingot validate` prints: one line, then `hint:` on the next. */
export function formatFinding(f: Finding): string {
  const facts = [f.expected === undefined ? undefined : `expected ${f.expected}`, f.found === undefined ? undefined : `found ${f.found}`].filter(Boolean);
  const where = `${f.file}:${f.line}:${f.col}: ${f.path === '' ? '(recipe)' : f.path}`;
  const head = `${where}: ${f.message}${facts.length ? ` (${facts.join(', ')})` : ''}`;
  return f.hint ? `${head}\n  hint: ${f.hint}` : head;
}

/** Describes a value as found in the recipe, short enough for one line. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return value.length > 60 ? `"${value.slice(0, 57)}…"` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return 'a mapping';
}

export function byPosition(a: Finding, b: Finding): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.path.localeCompare(b.path);
}
