// The recipe as a YAML document with positions: syntax errors as findings, a JS value with
// `${var}` interpolated, and an index from dotted paths to nodes so every later finding can
// point at file:line:col (the key for unknown keys, the value for bad values, the parent
// mapping for missing keys).
import { LineCounter, Scalar, isAlias, isMap, isScalar, isSeq, parse as parseYaml, parseDocument, type Document, type Node } from 'yaml';
import { formatPath, type Finding, type PathSegment } from './findings.js';
import { interpolate, isWholeReference } from './interpolate.js';
import { closest } from './suggest.js';

interface Entry {
  value: Node | null;
  key: Node | null;
  parent: Node | null;
}

export type Placement = 'value' | 'key' | 'missing';

export class RecipeDocument {
  readonly file: string;
  readonly text: string;
  readonly #doc: Document.Parsed;
  readonly #lines = new LineCounter();
  readonly #index = new Map<string, Entry>();

  constructor(file: string, text: string) {
    this.file = file;
    this.text = text;
    this.#doc = parseDocument(text, { lineCounter: this.#lines, prettyErrors: false, uniqueKeys: true });
  }

  /** YAML syntax errors, all of them; when there are any, nothing else is checked. */
  syntaxFindings(): Finding[] {
    return this.#doc.errors.map((error) => {
      const { line, col } = this.#lines.linePos(error.pos[0]);
      const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      const rest = this.text.slice(error.pos[0]).split('\n')[0]!.trimEnd();
      return {
        file: this.file,
        line,
        col,
        path: '',
        message: `YAML syntax: ${message}`,
        expected: 'valid YAML',
        found: rest === '' ? 'the end of the line' : JSON.stringify(rest.length > 40 ? `${rest.slice(0, 39)}…` : rest),
        hint: yamlHint(error.code),
      };
    });
  }

  /** The document's `variables` mapping as strings (before overrides), without interpolation. */
  declaredVariables(): Record<string, string> {
    const node = isMap(this.#doc.contents) ? this.#doc.contents.get('variables', true) : undefined;
    const out: Record<string, string> = {};
    if (!isMap(node)) return out;
    for (const pair of node.items) {
      if (isScalar(pair.key) && isScalar(pair.value) && pair.value.value !== null && typeof pair.value.value !== 'object') {
        out[String(pair.key.value)] = String(pair.value.value);
      }
    }
    return out;
  }

  /** The recipe as plain data with variables substituted, plus a finding for every bad `${…}`. */
  toData(variables: Readonly<Record<string, string>>): { data: unknown; findings: Finding[] } {
    const findings: Finding[] = [];
    this.#index.clear();
    const walk = (node: Node | null, path: PathSegment[]): unknown => {
      if (node === null) return null;
      if (isAlias(node)) return walk(node.resolve(this.#doc) ?? null, path);
      if (isMap(node)) {
        const out: Record<string, unknown> = {};
        for (const pair of node.items) {
          const keyNode = pair.key as Node | null;
          const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
          const childPath = [...path, key];
          const value = pair.value as Node | null;
          this.#index.set(formatPath(childPath), { value, key: keyNode, parent: node });
          // defineProperty: a key named __proto__ must stay a key, not replace the prototype.
          Object.defineProperty(out, key, { value: walk(value, childPath), enumerable: true, writable: true, configurable: true });
        }
        return out;
      }
      if (isSeq(node)) {
        return node.items.map((item, i) => {
          const childPath = [...path, i];
          this.#index.set(formatPath(childPath), { value: item as Node | null, key: null, parent: node });
          return walk(item as Node | null, childPath);
        });
      }
      if (isScalar(node)) {
        // Variable defaults are taken as written: interpolating them would make order matter.
        if (typeof node.value !== 'string' || path[0] === 'variables') return node.value;
        const result = interpolate(node.value, variables);
        for (const problem of result.problems) findings.push(this.#interpolationFinding(node, path, problem, variables));
        if (result.problems.length === 0 && node.type === Scalar.PLAIN && isWholeReference(node.value)) {
          // `vcpus: ${cpus}` should be the number 4, as if the value had been written in place.
          const typed: unknown = parseYaml(result.value);
          if (typed === null || ['number', 'boolean'].includes(typeof typed)) return typed;
        }
        return result.value;
      }
      return null;
    };
    this.#index.set('', { value: this.#doc.contents as Node | null, key: null, parent: null });
    return { data: walk(this.#doc.contents as Node | null, []), findings };
  }

  /** file:line:col for a path: the value node, the key node, or (for a missing key) the nearest existing parent. */
  locate(path: readonly PathSegment[], placement: Placement): { line: number; col: number } {
    const entry = this.#index.get(formatPath(path));
    if (placement === 'missing' || entry === undefined) {
      // The parent mapping that lacks the key; walk up until a node exists.
      for (let n = path.length - 1; n >= 0; n -= 1) {
        const parent = this.#index.get(formatPath(path.slice(0, n)));
        if (parent?.value) return this.#pos(parent.value);
        if (parent?.key) return this.#pos(parent.key);
      }
      return { line: 1, col: 1 };
    }
    const node = placement === 'key' ? (entry.key ?? entry.value) : (entry.value ?? entry.key);
    return node ? this.#pos(node) : { line: 1, col: 1 };
  }

  /** Whether a key exists at this path (to tell a bad value from a missing key). */
  has(path: readonly PathSegment[]): boolean {
    return this.#index.has(formatPath(path));
  }

  #pos(node: Node): { line: number; col: number } {
    const offset = node.range?.[0] ?? 0;
    return this.#lines.linePos(offset);
  }

  #interpolationFinding(node: Scalar, path: PathSegment[], problem: { kind: string; name: string; token: string }, variables: Readonly<Record<string, string>>): Finding {
    // Point at the `${` itself: search the node's source text for the token.
    const [start, end] = node.range ?? [0, 0];
    const at = this.text.slice(start, end).indexOf(problem.token);
    const { line, col } = this.#lines.linePos(at === -1 ? start : start + at);
    const names = Object.keys(variables);
    if (problem.kind === 'malformed') {
      return {
        file: this.file, line, col, path: formatPath(path),
        message: `malformed variable reference ${problem.token}`,
        expected: '${name} with a name of letters, digits and _',
        found: JSON.stringify(problem.token),
        hint: 'Close it with } and use a declared name; write $${ for a literal ${.',
      };
    }
    const near = closest(problem.name, names);
    return {
      file: this.file, line, col, path: formatPath(path),
      message: `undefined variable '${problem.name}'`,
      expected: names.length ? `one of the variables ${names.join(', ')}` : 'a variable declared under variables:',
      found: problem.token,
      hint: `${near ? `Did you mean \${${near}}? ` : ''}Declare it under variables:, or pass --var ${problem.name}=VALUE or INGOT_VAR_${problem.name}. For a shell variable write $\${${problem.name}}.`,
    };
  }
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'Each key may appear once in a mapping: remove or merge the repeated one.';
    case 'TAB_AS_INDENT':
      return 'YAML indentation must use spaces, not tabs.';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'Check the indentation and the ":" after each key on this line and the line before.';
    default:
      return 'Fix the YAML syntax here; nothing else in the file is checked until it parses.';
  }
}
