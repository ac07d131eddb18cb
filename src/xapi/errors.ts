// XAPI failures as IngotErrors. XAPI's own code and parameters are kept verbatim in `details`
// (STYLE.md: branch on codes, never on message text), with the call that failed for context.
import { IngotError } from '../errors/index.js';

export interface XapiFailure {
  code: string;
  params: string[];
}

/** The `{code, params}` of an error thrown by the xen-api client, if it is a XAPI error. */
export function xapiFailure(error: unknown): XapiFailure | undefined {
  const e = error as { code?: unknown; params?: unknown } | undefined;
  if (e && typeof e.code === 'string' && Array.isArray(e.params) && /^[A-Z][A-Z0-9_]+$/.test(e.code)) {
    return { code: e.code, params: e.params.map(String) };
  }
  return undefined;
}

export function hasCode(error: unknown, ...codes: string[]): boolean {
  const failure = xapiFailure(error) ?? (error instanceof IngotError ? (error.details?.xapi as XapiFailure | undefined) : undefined);
  return failure !== undefined && codes.includes(failure.code);
}

// What to tell a user for the codes a build meets most (xapi.md §7).
const HINTS: Record<string, string> = {
  SESSION_AUTHENTICATION_FAILED: 'Check INGOT_XAPI_USERNAME and the password (INGOT_XAPI_PASSWORD or INGOT_XAPI_PASSWORD_FILE).',
  HOST_IS_SLAVE: 'Point INGOT_XAPI_URL at the pool coordinator (the address in the error).',
  VM_BAD_POWER_STATE: 'The VM is not in the power state this operation needs; see the expected and actual states above.',
  SR_BACKEND_FAILURE_44: 'The SR is full: free space on it, or choose another SR with vm.sr in the recipe.',
  VDI_IN_USE: 'Another operation holds the disk; ingot retries this a few times. If it persists, check the host for leftover VBDs.',
  OTHER_OPERATION_IN_PROGRESS: 'Another operation is running on the object; wait for it or cancel it in the host tools.',
  HANDLE_INVALID: 'The object no longer exists on the host (someone removed it, or the host was reset).',
  UUID_INVALID: 'No object with that UUID exists on the host; check the recipe.',
  VM_IS_TEMPLATE: 'A template cannot be started; ingot clones and provisions it first. Check the recipe names a template, not a VM.',
  MESSAGE_METHOD_UNKNOWN: 'The host does not know this call: its XAPI is older than ingot needs.',
};

export function toIngotError(error: unknown, method: string): IngotError {
  const failure = xapiFailure(error);
  if (failure === undefined) {
    if (error instanceof IngotError) return error;
    return new IngotError('XAPI_ERROR', `${method} failed: ${(error as Error)?.message ?? String(error)}`, {
      hint: 'Check the connection to the XAPI host; run with --verbose for the cause.',
      cause: error,
    });
  }
  const code = failure.code === 'SESSION_AUTHENTICATION_FAILED' ? 'XAPI_AUTH_FAILED' : 'XAPI_ERROR';
  const shown = failure.code === 'SESSION_AUTHENTICATION_FAILED' ? failure.params.slice(0, 1) : failure.params;
  return new IngotError(code, `${method} failed: ${failure.code}(${shown.join(', ')})`, {
    hint: HINTS[failure.code] ?? `See XAPI's description of ${failure.code}.`,
    cause: error,
    details: { xapi: failure, method },
  });
}
