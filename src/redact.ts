// Secret redaction, applied once at the output boundary (reporter, error presenter, manifests).
// Known secret values are registered as they are read; patterns catch secrets we never saw
// (session ids in URLs, auth tokens in headers, private keys).

export const REDACTED = '[redacted]';

const SECRET_KEY = /^(password|passwd|api_?key|apikey|token|secret|session_?id|private_?key|x-auth-token|authorization)$/i;

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // XAPI session references in query strings: /import_raw_vdi?session_id=OpaqueRef:...
  [/(session_id=)[^&\s"']+/gi, `$1${REDACTED}`],
  // Swift / Rackspace tokens in header dumps.
  [/(x-(?:auth|subject|storage)-token["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, `$1${REDACTED}`],
  [/(authorization["']?\s*[:=]\s*["']?(?:bearer|basic)?\s*)[^\s"',}]+/gi, `$1${REDACTED}`],
  // Userinfo in URLs: https://user:pass@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, `$1${REDACTED}@`],
  // PEM private keys, whole.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, `${REDACTED} private key`],
];

export class Redactor {
  readonly #secrets = new Set<string>();

  /** Registers a secret value; every later output containing it is masked. */
  add(secret: string | undefined): void {
    // Very short values would mask ordinary words; ingot never accepts such secrets anyway.
    if (secret !== undefined && secret.length >= 4) this.#secrets.add(secret);
  }

  text(input: string): string {
    let out = input;
    // Longest first, so a secret that contains another is masked whole.
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(REDACTED);
    }
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** A deep copy of a JSON-like value with secret-named keys and secret values masked. */
  value<T>(input: T): T {
    return this.#walk(input, new WeakSet()) as T;
  }

  #walk(input: unknown, seen: WeakSet<object>): unknown {
    if (typeof input === 'string') return this.text(input);
    if (input === null || typeof input !== 'object') return input;
    if (seen.has(input)) return '[circular]';
    seen.add(input);
    if (Array.isArray(input)) return input.map((item) => this.#walk(item, seen));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(input)) {
      out[key] = SECRET_KEY.test(key) && item !== undefined && item !== null && item !== '' ? REDACTED : this.#walk(item, seen);
    }
    return out;
  }
}
