// A typed wire value: the one tree both protocols serialise, so "ints are strings over XML-RPC and
// numbers over JSON-RPC" is decided in one place (xapi.md §1.2, §1.3).
import type { XType } from '../datamodel/types.js';
import { DATAMODEL } from '../datamodel/generated.js';

export type Wire =
  | { t: 'str'; v: string }
  | { t: 'int'; v: number }
  | { t: 'i4'; v: number }
  | { t: 'double'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'date'; v: string }
  | { t: 'array'; v: Wire[] }
  | { t: 'struct'; v: [string, Wire][] };

export const str = (v: string): Wire => ({ t: 'str', v });

/** Encodes a stored value of datamodel type `type` (records are looked up by class). */
export function encode(value: unknown, type: XType): Wire {
  if (typeof type === 'string') {
    switch (type) {
      case 'string':
        return str(value === undefined || value === null ? '' : String(value));
      case 'int':
        return { t: 'int', v: Number(value ?? 0) };
      case 'float':
        return { t: 'double', v: Number(value ?? 0) };
      case 'bool':
        return { t: 'bool', v: value === true };
      case 'datetime':
        return { t: 'date', v: String(value ?? '19700101T00:00:00Z') };
      case 'void':
        return str('');
    }
  }
  switch (type[0]) {
    case 'ref':
    case 'enum':
      return str(String(value ?? ''));
    case 'option':
      return encode(value, type[1]);
    case 'set': {
      const inner = type[1];
      return { t: 'array', v: (Array.isArray(value) ? value : []).map((item) => encode(item, inner)) };
    }
    case 'map': {
      const valueType = type[2];
      const entries = Object.entries((value ?? {}) as Record<string, unknown>);
      return { t: 'struct', v: entries.map(([k, item]) => [k, encode(item, valueType)]) };
    }
    case 'record':
      return encodeRecord(type[1], (value ?? {}) as Record<string, unknown>);
  }
}

/** A record with every field of its class, in datamodel order (xapi.md §8.5: identical key sets). */
export function encodeRecord(cls: string, record: Record<string, unknown>): Wire {
  const def = DATAMODEL.classes[cls];
  if (def === undefined) throw new Error(`no datamodel class ${cls}`);
  return { t: 'struct', v: def.fields.map((f) => [f.name, encode(record[f.name] ?? f.default, f.type)]) };
}

/** Formats a float as OCaml's `%.16g`, which XAPI uses for `<double>` (xapi.md §1.2). */
export function formatDouble(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  return String(Number.parseFloat(x.toPrecision(16)));
}
