// An XAPI error as it travels on the wire: a code and string parameters (xapi.md §7).
// Handlers throw it; the RPC layers turn it into ErrorDescription / JSON-RPC error objects and
// tasks into error_info. It is not an IngotError: it is the host's answer, not ingot's failure.

export class XapiFault extends Error {
  override name = 'XapiFault';
  readonly code: string;
  readonly params: string[];

  constructor(code: string, params: readonly (string | number)[] = []) {
    super(`${code}(${params.join(', ')})`);
    this.code = code;
    this.params = params.map(String);
  }
}

/** Any unexpected exception becomes INTERNAL_ERROR [message], as XAPI's exnHelper does (xapi.md §1.5). */
export function toFault(error: unknown): XapiFault {
  if (error instanceof XapiFault) return error;
  return new XapiFault('INTERNAL_ERROR', [error instanceof Error ? error.message : String(error)]);
}
