// A small XML reader for XML-RPC requests: elements, text, entities, CDATA; prolog and comments
// skipped. XML-RPC needs nothing more, and a full XML library would only widen the attack surface.

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot' }[c]};`);
}

export class XmlParseError extends Error {}

/** Parses a document into its root element; throws XmlParseError on malformed input. */
export function parseXml(input: string): XmlElement {
  const root: XmlElement = { name: '#root', children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  while (i < input.length) {
    const lt = input.indexOf('<', i);
    const top = stack[stack.length - 1] as XmlElement;
    if (lt === -1) {
      top.text += unescapeXml(input.slice(i));
      break;
    }
    if (lt > i) top.text += unescapeXml(input.slice(i, lt));
    if (input.startsWith('<?', lt)) {
      i = endOf(input, '?>', lt);
    } else if (input.startsWith('<!--', lt)) {
      i = endOf(input, '-->', lt);
    } else if (input.startsWith('<![CDATA[', lt)) {
      const end = endOf(input, ']]>', lt);
      top.text += input.slice(lt + 9, end - 3);
      i = end;
    } else if (input.startsWith('<!', lt)) {
      i = endOf(input, '>', lt);
    } else {
      const gt = endOf(input, '>', lt);
      const tag = input.slice(lt + 1, gt - 1).trim();
      if (tag.startsWith('/')) {
        const name = tag.slice(1).trim();
        if (top.name !== name) throw new XmlParseError(`expected </${top.name}>, found </${name}>`);
        stack.pop();
      } else {
        const selfClosing = tag.endsWith('/');
        const name = (selfClosing ? tag.slice(0, -1) : tag).trim().split(/\s+/)[0] ?? '';
        if (!/^[A-Za-z_][\w.:-]*$/.test(name)) throw new XmlParseError(`bad element name <${name}>`);
        const element: XmlElement = { name, children: [], text: '' };
        top.children.push(element);
        if (!selfClosing) stack.push(element);
      }
      i = gt;
    }
  }
  if (stack.length !== 1) throw new XmlParseError(`unclosed <${stack[stack.length - 1]?.name}>`);
  const [doc, ...rest] = root.children;
  if (doc === undefined || rest.length > 0) throw new XmlParseError('expected exactly one root element');
  return doc;
}

function endOf(input: string, marker: string, from: number): number {
  const at = input.indexOf(marker, from);
  if (at === -1) throw new XmlParseError(`unterminated markup at offset ${from}`);
  return at + marker.length;
}
