// Reads the zod schema's structure to list the keys allowed at a path (for "unknown key" findings).
import type { z } from 'zod';
import type { PathSegment } from './findings.js';

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
}

const def = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Strips optional/default/prefault/nullable wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let d = def(current); d.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly'].includes(d.type); d = def(current)) {
    current = d.innerType;
  }
  return current;
}

export function allowedKeysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (current === undefined) return [];
    const d = def(current);
    const next: z.ZodType | undefined =
      d.type === 'object' ? d.shape?.[String(segment)] : d.type === 'array' ? d.element : d.type === 'record' ? d.valueType : undefined;
    current = next === undefined ? undefined : unwrap(next);
  }
  if (current === undefined) return [];
  const d = def(current);
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}
