#!/usr/bin/env node
// Generates src/lab/datamodel/generated.ts from XAPI's own datamodel dump (xenapi.json), so the lab
// host's classes, fields, defaults and message signatures come from XAPI rather than from memory.
// Usage: node scripts/gen-datamodel.mjs [path/to/xenapi.json]   (default ../shared/reference/xenapi.json)
// Only this script reads the reference; the lab reads the committed output (nothing reads ../shared
// at run or test time).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2] ?? join(root, '..', 'shared', 'reference', 'xenapi.json');
const out = join(root, 'src', 'lab', 'datamodel', 'generated.ts');

/** The classes the lab serves (issue 4 item 3); `event` has messages but no records. */
const SERVED = ['session', 'task', 'event', 'pool', 'host', 'SM', 'SR', 'PBD', 'VDI', 'VBD', 'VIF', 'network', 'PIF', 'VM', 'VM_metrics', 'VM_guest_metrics'];

/**
 * Error parameter names. xenapi.json lists which errors a message may raise but not their
 * parameters, so they are taken from xapi.md §7 (the parameters as actually sent, which is not
 * always what datamodel_errors.ml declares: see SESSION_AUTHENTICATION_FAILED).
 */
const ERROR_PARAMS = {
  SESSION_AUTHENTICATION_FAILED: ['uname', 'msg'],
  SESSION_AUTHORIZATION_FAILED: ['username', 'msg'],
  SESSION_INVALID: ['session_ref'],
  HOST_IS_SLAVE: ['master_address'],
  HANDLE_INVALID: ['class', 'ref'],
  UUID_INVALID: ['class', 'uuid'],
  MESSAGE_METHOD_UNKNOWN: ['method'],
  MESSAGE_PARAMETER_COUNT_MISMATCH: ['method', 'expected', 'received'],
  MESSAGE_REMOVED: [],
  MESSAGE_DEPRECATED: [],
  INTERNAL_ERROR: ['message'],
  INVALID_VALUE: ['field', 'value'],
  FIELD_TYPE_ERROR: ['field'],
  MAP_DUPLICATE_KEY: ['class', 'field', 'objref', 'key'],
  OPERATION_NOT_ALLOWED: ['reason'],
  OPERATION_BLOCKED: ['ref', 'code'],
  OTHER_OPERATION_IN_PROGRESS: ['class', 'ref', 'op', 'op_ref'],
  VM_BAD_POWER_STATE: ['vm', 'expected', 'actual'],
  VM_IS_TEMPLATE: ['vm', 'op'],
  PROVISION_ONLY_ALLOWED_ON_TEMPLATE: [],
  VM_CANNOT_DELETE_DEFAULT_TEMPLATE: [],
  VM_HVM_REQUIRED: ['vm'],
  VM_SHUTDOWN_TIMEOUT: ['vm', 'timeout'],
  NO_HOSTS_AVAILABLE: [],
  HOST_NOT_ENOUGH_FREE_MEMORY: ['needed', 'available'],
  SR_FULL: ['requested', 'maximum'],
  SR_BACKEND_FAILURE_44: ['status', 'reason', 'stderr'],
  SR_BACKEND_FAILURE_79: ['status', 'reason', 'stderr'],
  SR_HAS_NO_PBDS: ['sr'],
  SR_OPERATION_NOT_SUPPORTED: ['sr'],
  SR_NOT_EMPTY: [],
  VDI_IN_USE: ['vdi', 'operation'],
  VDI_READONLY: ['vdi'],
  VDI_TOO_SMALL: ['vdi', 'min'],
  VDI_TOO_LARGE: ['vdi', 'max'],
  VDI_IO_ERROR: ['reason'],
  VDI_MISSING: ['sr', 'vdi'],
  VDI_INCOMPATIBLE_TYPE: ['vdi', 'type'],
  VBD_NOT_EMPTY: ['vbd'],
  VBD_IS_EMPTY: ['vbd'],
  VBD_NOT_REMOVABLE_MEDIA: ['vbd'],
  VBD_CDS_MUST_BE_READONLY: [],
  DEVICE_ALREADY_EXISTS: ['device'],
  INVALID_DEVICE: ['device'],
  MAC_INVALID: ['mac'],
  DEVICE_ALREADY_ATTACHED: ['device'],
  DEVICE_ALREADY_DETACHED: ['device'],
  TASK_CANCELLED: ['task'],
  EVENTS_LOST: [],
  EVENT_FROM_TOKEN_PARSE_FAILURE: ['token'],
  NOT_IMPLEMENTED: ['function'],
};

/** Parses a datamodel type such as "(string -> enum vm_operations) map" or "VDI ref set". */
function parseType(text) {
  const tokens = text.replace(/[()]/g, (m) => ` ${m} `).replace(/->/g, ' -> ').trim().split(/\s+/);
  let i = 0;
  const base = () => {
    let type;
    const tok = tokens[i++];
    if (tok === '(') {
      const key = base();
      if (tokens[i++] !== '->') throw new Error(`bad map type: ${text}`);
      const value = base();
      if (tokens[i++] !== ')') throw new Error(`bad map type: ${text}`);
      if (tokens[i++] !== 'map') throw new Error(`bad map type: ${text}`);
      type = ['map', key, value];
    } else if (tok === 'enum') {
      type = ['enum', tokens[i++]];
    } else if (['string', 'int', 'float', 'bool', 'datetime', 'void'].includes(tok)) {
      type = tok;
    } else {
      type = tok; // a class name, completed by the postfix below
    }
    for (;;) {
      const post = tokens[i];
      if (post === 'ref' || post === 'record') { type = [post, type]; i++; }
      else if (post === 'set') { type = ['set', type]; i++; }
      else if (post === 'option') { type = ['option', type]; i++; }
      else break;
    }
    return type;
  };
  const t = base();
  if (i !== tokens.length) throw new Error(`trailing tokens in type: ${text}`);
  return t;
}

/** Turns a datamodel default (OCaml-ish text) into the JSON value a record holds. */
function parseDefault(type, text) {
  if (text === undefined) return undefined;
  if (Array.isArray(type) && type[0] === 'set') {
    const inner = text.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((v) => parseDefault(type[1], v.trim()));
  }
  if (Array.isArray(type) && type[0] === 'map') {
    const inner = text.slice(1, -1).trim();
    if (inner === '') return {};
    return Object.fromEntries(inner.split(',').map((pair) => pair.split('->').map((s) => JSON.parse(s.trim()))));
  }
  if (Array.isArray(type) && type[0] === 'ref') return text === 'Null' ? 'OpaqueRef:NULL' : text;
  if (type === 'int' || type === 'float') return Number(text.replace(/\.$/, ''));
  if (type === 'bool') return text === 'true';
  if (type === 'string') return text.startsWith('"') ? JSON.parse(text) : text;
  return text; // enum, datetime
}

const model = JSON.parse(readFileSync(source, 'utf8'));
const classes = {};
const enums = {};
const errorNames = new Set(Object.keys(ERROR_PARAMS));
for (const cls of model) {
  if (!SERVED.includes(cls.name)) continue;
  for (const e of cls.enums) enums[e.name] = e.values.map((v) => v.name);
  classes[cls.name] = {
    fields: cls.fields.map((f) => {
      const t = parseType(f.type);
      const field = { name: f.name, type: t, qualifier: f.qualifier };
      const d = parseDefault(t, f.default);
      if (d !== undefined) field.default = d;
      return field;
    }),
    messages: cls.messages.map((m) => {
      for (const e of m.errors) errorNames.add(e.name);
      return {
        name: m.name,
        params: m.params.map((p) => ({ name: p.name, type: parseType(p.type.replace('<class>', cls.name)) })),
        result: m.result[0] === 'an event batch' ? 'event_batch' : parseType(m.result[0]),
        implicit: m.implicit,
      };
    }),
  };
}
const errors = Object.fromEntries([...errorNames].sort().map((n) => [n, ERROR_PARAMS[n] ?? null]));

const header = `// GENERATED by scripts/gen-datamodel.mjs from XAPI's xenapi.json — do not edit by hand.
// Classes the lab serves, their fields (type, qualifier, default) and messages (parameters, result),
// enums, and error parameter names (null where xapi.md §7 does not give them).
import type { Datamodel } from './types.js';

`;
writeFileSync(out, `${header}export const DATAMODEL: Datamodel = ${JSON.stringify({ classes, enums, errors })};\n`);
console.log(`wrote ${out}: ${Object.keys(classes).length} classes, ${Object.keys(enums).length} enums, ${Object.keys(errors).length} errors`);
