// `${var}` interpolation inside string values. `$${` writes a literal `${`. Names follow the
// identifier rule of `variables` keys.

export interface InterpolationProblem {
  kind: 'undefined' | 'malformed';
  /** The variable name, or the text between `${` and `}` when malformed. */
  name: string;
  /** The `${…}` text as written, to find it in the source. */
  token: string;
}

export type Interpolated = { value: string; problems: InterpolationProblem[] };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function interpolate(text: string, variables: Readonly<Record<string, string>>): Interpolated {
  const problems: InterpolationProblem[] = [];
  let value = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start === -1) {
      value += text.slice(i);
      break;
    }
    if (start > 0 && text[start - 1] === '$') {
      // `$${` → literal `${`: drop the escaping `$`.
      value += `${text.slice(i, start - 1)}\${`;
      i = start + 2;
      continue;
    }
    value += text.slice(i, start);
    const end = text.indexOf('}', start + 2);
    if (end === -1) {
      problems.push({ kind: 'malformed', name: text.slice(start + 2), token: text.slice(start) });
      break;
    }
    const name = text.slice(start + 2, end);
    const token = text.slice(start, end + 1);
    if (!IDENTIFIER.test(name)) problems.push({ kind: 'malformed', name, token });
    else if (!Object.hasOwn(variables, name)) problems.push({ kind: 'undefined', name, token });
    else value += variables[name];
    i = end + 1;
  }
  return { value, problems };
}

/** True when the whole text is one `${var}`: its value may then become a number or boolean. */
export function isWholeReference(text: string): boolean {
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(text);
}
