// XML-RPC as XAPI speaks it (xapi.md §1.2): untyped <value> strings, ints as untyped decimal text,
// <double> as %.16g, compact dateTime.iso8601, every reply wrapped in {Status, Value} or
// {Status, ErrorDescription} — except system.listMethods, which is a bare array.
import type { XapiFault } from '../fault.js';
import { type Wire, formatDouble } from './value.js';
import { type XmlElement, XmlParseError, escapeXml, parseXml } from './xml.js';

export interface RpcCall {
  method: string;
  params: unknown[];
}

/** Parses a methodCall; throws XmlParseError (answered with HTTP 500, as XAPI does). */
export function parseXmlRpcCall(body: string): RpcCall {
  const doc = parseXml(body);
  if (doc.name !== 'methodCall') throw new XmlParseError(`expected <methodCall>, found <${doc.name}>`);
  const name = doc.children.find((c) => c.name === 'methodName');
  if (name === undefined) throw new XmlParseError('missing <methodName>');
  const paramsEl = doc.children.find((c) => c.name === 'params');
  const params = (paramsEl?.children ?? [])
    .filter((p) => p.name === 'param')
    .map((p) => {
      const value = p.children.find((c) => c.name === 'value');
      if (value === undefined) throw new XmlParseError('<param> without <value>');
      return decodeValue(value);
    });
  return { method: name.text.trim(), params };
}

/** Decodes a <value>: ints (<int>, <i4>, <i8>) to numbers, dateTime to its text, structs to objects. */
export function decodeValue(el: XmlElement): unknown {
  const typed = el.children[0];
  if (typed === undefined) return el.text; // untyped means string
  switch (typed.name) {
    case 'string':
      return typed.text;
    case 'int':
    case 'i4':
    case 'i8': {
      const n = Number(typed.text.trim());
      if (!Number.isInteger(n)) throw new XmlParseError(`bad integer ${typed.text}`);
      return n;
    }
    case 'double':
      return Number(typed.text.trim());
    case 'boolean': {
      const t = typed.text.trim();
      if (t !== '0' && t !== '1') throw new XmlParseError(`bad boolean ${t}`);
      return t === '1';
    }
    case 'dateTime.iso8601':
      return typed.text.trim();
    case 'base64':
      return Buffer.from(typed.text.trim(), 'base64').toString('utf8');
    case 'nil':
      return null;
    case 'array': {
      const data = typed.children.find((c) => c.name === 'data');
      return (data?.children ?? []).filter((c) => c.name === 'value').map(decodeValue);
    }
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const member of typed.children.filter((c) => c.name === 'member')) {
        const key = member.children.find((c) => c.name === 'name');
        const value = member.children.find((c) => c.name === 'value');
        if (key === undefined || value === undefined) throw new XmlParseError('<member> needs <name> and <value>');
        out[key.text] = decodeValue(value);
      }
      return out;
    }
    default:
      throw new XmlParseError(`unknown value type <${typed.name}>`);
  }
}

/** Serialises a wire value as an XML-RPC <value> fragment (also the task `result` format, xapi.md §1.6). */
export function xmlValue(w: Wire): string {
  switch (w.t) {
    case 'str':
      return `<value>${escapeXml(w.v)}</value>`;
    case 'int':
      return `<value>${w.v}</value>`;
    case 'i4':
      return `<value><i4>${w.v}</i4></value>`;
    case 'double':
      return `<value><double>${formatDouble(w.v)}</double></value>`;
    case 'bool':
      return `<value><boolean>${w.v ? 1 : 0}</boolean></value>`;
    case 'date':
      return `<value><dateTime.iso8601>${escapeXml(w.v)}</dateTime.iso8601></value>`;
    case 'array':
      return `<value><array><data>${w.v.map(xmlValue).join('')}</data></array></value>`;
    case 'struct':
      return `<value><struct>${w.v.map(([k, v]) => `<member><name>${escapeXml(k)}</name>${xmlValue(v)}</member>`).join('')}</struct></value>`;
  }
}

const PROLOG = '<?xml version="1.0"?>';
const wrap = (value: string): string => `${PROLOG}<methodResponse><params><param>${value}</param></params></methodResponse>`;

export function xmlSuccess(value: Wire): string {
  return wrap(`<value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name>${xmlValue(value)}</member></struct></value>`);
}

export function xmlFailure(fault: XapiFault): string {
  const items = [fault.code, ...fault.params].map((s) => `<value>${escapeXml(s)}</value>`).join('');
  return wrap(`<value><struct><member><name>Status</name><value>Failure</value></member><member><name>ErrorDescription</name><value><array><data>${items}</data></array></value></member></struct></value>`);
}

/** system.listMethods is answered unwrapped (xapi.md §1.2, api_server.ml). */
export function xmlBare(value: Wire): string {
  return wrap(xmlValue(value));
}
