// Turns decoded wire parameters into stored values by datamodel type, accepting what XAPI accepts
// (xapi.md §1.2): ints as numbers or decimal strings, enums case-insensitively (emitted in canonical
// case), constructor records with defaults filled and unknown keys ignored (§1.5).
import type { XType } from './datamodel/types.js';
import { DATAMODEL } from './datamodel/generated.js';
import { type Rec, zeroValue } from './db.js';
import { XapiFault } from './fault.js';

export function coerce(value: unknown, type: XType, name: string): unknown {
  if (typeof type === 'string') {
    switch (type) {
      case 'string':
        if (typeof value !== 'string') throw new XapiFault('FIELD_TYPE_ERROR', [name]);
        return value;
      case 'int': {
        const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
        if (typeof n !== 'number' || !Number.isInteger(n)) throw new XapiFault('FIELD_TYPE_ERROR', [name]);
        return n;
      }
      case 'float': {
        const n = typeof value === 'string' ? Number(value) : value;
        if (typeof n !== 'number' || Number.isNaN(n)) throw new XapiFault('FIELD_TYPE_ERROR', [name]);
        return n;
      }
      case 'bool':
        if (typeof value !== 'boolean') throw new XapiFault('FIELD_TYPE_ERROR', [name]);
        return value;
      case 'datetime':
        if (typeof value !== 'string') throw new XapiFault('FIELD_TYPE_ERROR', [name]);
        return value.replace(/-/g, '').replace(/\.\d+Z$/, 'Z');
      case 'void':
        return '';
    }
  }
  switch (type[0]) {
    case 'ref':
      if (typeof value !== 'string') throw new XapiFault('FIELD_TYPE_ERROR', [name]);
      return value;
    case 'enum': {
      const values = DATAMODEL.enums[type[1]] ?? [];
      const found = typeof value === 'string' ? values.find((v) => v.toLowerCase() === value.toLowerCase()) : undefined;
      if (found === undefined) throw new XapiFault('INVALID_VALUE', [name, String(value)]);
      return found;
    }
    case 'option':
      return coerce(value, type[1], name);
    case 'set':
      if (!Array.isArray(value)) throw new XapiFault('FIELD_TYPE_ERROR', [name]);
      return value.map((item) => coerce(item, type[1], name));
    case 'map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new XapiFault('FIELD_TYPE_ERROR', [name]);
      const valueType = type[2];
      const keyType = type[1];
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [keyType === 'string' ? k : String(coerce(k, keyType, name)), coerce(v, valueType, name)]),
      );
    }
    case 'record':
      return constructorRecord(type[1], value);
  }
}

/**
 * A constructor's record: RW and RO/constructor fields; a missing field without a datamodel default
 * is XAPI's INTERNAL_ERROR Dispatcher_FieldNotFound (xapi.md §1.5). Unknown keys are ignored.
 */
export function constructorRecord(cls: string, value: unknown): Rec {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new XapiFault('FIELD_TYPE_ERROR', ['args']);
  const input = value as Rec;
  const out: Rec = {};
  for (const f of DATAMODEL.classes[cls]?.fields ?? []) {
    if (f.qualifier === 'RO/runtime') continue;
    if (input[f.name] === undefined) {
      if (f.default === undefined) {
        throw new XapiFault('INTERNAL_ERROR', [`Server_helpers.Dispatcher_FieldNotFound("${f.name}")`]);
      }
      out[f.name] = structuredClone(f.default ?? zeroValue(f.type));
    } else {
      out[f.name] = coerce(input[f.name], f.type, f.name);
    }
  }
  return out;
}
