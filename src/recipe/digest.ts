// The recipe digest recorded in the manifest: sha256 over a canonical JSON form (sorted keys,
// no whitespace) of the schema output (defaults applied, variables substituted, paths as
// written so the digest does not depend on where the checkout lives) and the variables.
// Contents of referenced files (scripts, uploads) are not part of it; the manifest lists them.
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function recipeDigest(document: unknown, variables: Record<string, string>): string {
  return `sha256:${createHash('sha256').update(canonicalJson({ recipe: document, variables })).digest('hex')}`;
}
