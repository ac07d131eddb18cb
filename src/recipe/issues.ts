// Turns zod issues into findings a user can act on: never raw zod text. Positions come from the
// document index; expected/found/hint from the issue, the formats table and the schema itself.
import type { z } from 'zod';
import type { RecipeDocument } from './document.js';
import { describeFound, formatPath, type Finding, type PathSegment } from './findings.js';
import { FORMATS, formatByPattern } from './formats.js';
import { durationHint, sizeHint } from './units.js';
import { allowedKeysAt } from './schema-walk.js';
import { closest } from './suggest.js';

type Issue = z.core.$ZodIssue;

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

export function issueToFindings(issue: Issue, doc: RecipeDocument, data: unknown, schema: z.ZodType): Finding[] {
  const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
  const found = valueAt(data, path);
  const at = (p: PathSegment[], placement: 'value' | 'key' | 'missing') => ({ file: doc.file, ...doc.locate(p, placement) });

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(schema, path);
      return issue.keys.map((key) => {
        const near = closest(key, allowed);
        return {
          ...at([...path, key], 'key'),
          path: formatPath([...path, key]),
          message: `unknown key '${key}'`,
          expected: `one of ${allowed.join(', ')}`,
          found: JSON.stringify(key),
          hint: near ? `Did you mean '${near}'?` : (misplaced(schema, path, key) ?? 'Remove it, or use one of the keys listed.'),
        };
      });
    }
    case 'invalid_type': {
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      if (found === undefined && !doc.has(path)) {
        const key = path[path.length - 1];
        return [{ ...at(path, 'missing'), path: formatPath(path), message: `missing required key '${String(key)}'`, expected, found: 'nothing', hint: `Add ${String(key)}: under ${formatPath(path.slice(0, -1)) || 'the top level'}.` }];
      }
      const hint = fieldHint(path[path.length - 1], found) ?? typeHint(issue.expected, found) ?? `Write ${expected} here.`;
      return [{ ...at(path, 'value'), path: formatPath(path), message: 'wrong type', expected, found: describeFound(found), hint }];
    }
    case 'invalid_format': {
      const format = formatByPattern('pattern' in issue ? issue.pattern : undefined);
      const hint = format?.hint?.(found);
      const expected = format?.expected ?? `a ${issue.format}`;
      return [{ ...at(path, 'value'), path: formatPath(path), message: 'invalid value', expected, found: describeFound(found), hint: hint ?? `Write ${expected}.` }];
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => String(v));
      const near = typeof found === 'string' ? closest(found, values) : undefined;
      const expected = values.length === 1 ? values[0]! : `one of ${values.join(', ')}`;
      const hint = near ? `Did you mean '${near}'?` : values.length === 1 ? `Write ${values[0]}, or remove the key.` : `Use one of the values listed.`;
      return [{ ...at(path, 'value'), path: formatPath(path), message: 'value not allowed', expected, found: describeFound(found), hint }];
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const expected = rangeWords(issue.origin, issue.code, bound);
      return [{ ...at(path, 'value'), path: formatPath(path), message: 'value out of range', expected, found: describeFound(found), hint: `Use a value that is ${expected}.` }];
    }
    case 'invalid_key': {
      const key = path[path.length - 1];
      return [{ ...at(path, 'key'), path: formatPath(path), message: `invalid key ${JSON.stringify(key)}`, expected: FORMATS.identifier.expected, found: JSON.stringify(key), hint: 'Rename it, e.g. with a letter or _ first; ${…} references use the same name.' }];
    }
    case 'invalid_union': {
      return [{ ...at(path, 'value'), path: formatPath(path), message: 'wrong type', expected: 'a string, number or true/false', found: describeFound(found), hint: 'Write a single value here, not a list or a mapping.' }];
    }
    default:
      return [{ ...at(path, 'value'), path: formatPath(path), message: 'invalid value', expected: 'a value as docs/recipes.md describes for this field', found: describeFound(found), hint: 'See docs/recipes.md for this field.' }];
  }
}

// A key that belongs to an enclosing mapping is usually an indentation slip.
function misplaced(schema: z.ZodType, path: readonly PathSegment[], key: string): string | undefined {
  for (let n = path.length - 1; n >= 0; n -= 1) {
    if (allowedKeysAt(schema, path.slice(0, n)).includes(key)) {
      const owner = formatPath(path.slice(0, n));
      return `'${key}' belongs ${owner === '' ? 'at the top level' : `under ${owner}`}: check its indentation.`;
    }
  }
  return undefined;
}

// Fields whose common mistake is a bare number: the hint says what to write instead.
function fieldHint(key: PathSegment | undefined, found: unknown): string | undefined {
  if (key === 'user_data' && typeof found === 'string') return 'Write the cloud-config as a YAML mapping under user_data (no #cloud-config line), or use cloud_init.file.';
  if (typeof found !== 'number') return undefined;
  if (key === 'mode') return 'Quote the mode: mode: "0644". Unquoted, YAML reads 0644 as the decimal number 644.';
  if (key === 'memory' || key === 'disk' || key === 'segment_size') return sizeHint(found);
  if (key === 'timeout' || key === 'guest_address' || key === 'ssh' || key === 'shutdown') return durationHint(found);
  return undefined;
}

function typeHint(expected: string, found: unknown): string | undefined {
  if (expected === 'string' && (typeof found === 'number' || typeof found === 'boolean')) return `Quote it to make it a string: "${String(found)}".`;
  if ((expected === 'object' || expected === 'record') && found === null) return 'The key has no value: indent its fields under it, or remove the key.';
  if (expected === 'array' && found !== null && typeof found === 'object') return 'Write list items with "- " in front.';
  if (expected === 'object' && Array.isArray(found)) return 'Write key: value lines indented under this key, not a list.';
  if (expected === 'boolean' && typeof found === 'string') return 'Write true or false, unquoted.';
  return undefined;
}

function rangeWords(origin: string, code: 'too_small' | 'too_big', bound: unknown): string {
  const op = code === 'too_small' ? 'at least' : 'at most';
  if (origin === 'string') return Number(bound) === 1 && code === 'too_small' ? 'a non-empty string' : `${op} ${String(bound)} characters`;
  if (origin === 'array') return `${op} ${String(bound)} items`;
  return `${op} ${String(bound)}`;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
