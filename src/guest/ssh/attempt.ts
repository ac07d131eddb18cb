// One connection attempt's outcome, sorted into the kinds a person acts on differently.
// The readiness loop retries some kinds and stops at once on others (lab-notes.md §2
// "Readiness gotchas": resets while cloud-init restarts sshd are normal; a bad key is not).
import { IngotError, type ErrorCode } from '../../errors/index.js';

export type AttemptKind =
  | 'refused' // nothing listens yet (guest booting, sshd not started)
  | 'unreachable' // no route, host down
  | 'timeout-connect' // TCP connect did not finish
  | 'timeout-banner' // TCP accepted but no SSH banner: QEMU hostfwd before the guest is up
  | 'timeout-kex' // banner seen, key exchange stalled
  | 'timeout-auth' // key exchange done, authentication stalled
  | 'reset' // connection dropped before login: sshd restarting (cloud-init) or rebooting
  | 'auth' // the server refused our key: retrying cannot help
  | 'hostkey' // the server is not the guest we seeded: retrying must not help
  | 'other';

/** Where in the connection the attempt was when it ended. */
export type Phase = 'forward' | 'tcp' | 'banner' | 'kex' | 'auth';

/** Kinds that mean "not yet": the loop tries again. Auth and host key failures are final. */
export function isRetryable(kind: AttemptKind): boolean {
  return kind !== 'auth' && kind !== 'hostkey';
}

const DESCRIBE: Record<AttemptKind, string> = {
  refused: 'connection refused (nothing listening on the SSH port yet)',
  unreachable: 'host unreachable',
  'timeout-connect': 'timed out in the TCP connect',
  'timeout-banner': 'TCP connected but no SSH banner arrived (a port forward answering before the guest is up, or sshd hung)',
  'timeout-kex': 'timed out in the key exchange',
  'timeout-auth': 'timed out in authentication',
  reset: 'connection reset before login (sshd restarting: cloud-init restarts it once at first boot)',
  auth: 'authentication failed (the server refused the build key)',
  hostkey: 'host key mismatch',
  other: 'failed',
};

export function describeKind(kind: AttemptKind): string {
  return DESCRIBE[kind];
}

export function timeoutKind(phase: Phase): AttemptKind {
  if (phase === 'banner') return 'timeout-banner';
  if (phase === 'kex') return 'timeout-kex';
  if (phase === 'auth') return 'timeout-auth';
  return 'timeout-connect';
}

/** Sorts an error ssh2 or the socket raised, given the phase the attempt had reached. */
export function classify(error: unknown, phase: Phase): AttemptKind {
  const err = error as { code?: unknown; level?: unknown; message?: unknown } | undefined;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const level = typeof err?.level === 'string' ? err.level : undefined;
  const message = typeof err?.message === 'string' ? err.message : '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unreachable';
  if (code === 'ETIMEDOUT') return timeoutKind(phase);
  if (level === 'client-authentication') return 'auth';
  if (level === 'client-timeout') return timeoutKind(phase);
  if (code === 'ECONNRESET' || code === 'EPIPE' || /connection lost before handshake|socket hang up|No response from server/i.test(message)) return 'reset';
  // Channel-open failures through a bastion carry the jump host's reason text.
  if (/connection refused/i.test(message)) return 'refused';
  if (phase === 'banner' || phase === 'kex') return 'reset';
  return 'other';
}

const CODE: Record<AttemptKind, ErrorCode> = {
  refused: 'GUEST_UNREACHABLE',
  unreachable: 'GUEST_UNREACHABLE',
  'timeout-connect': 'GUEST_UNREACHABLE',
  'timeout-banner': 'GUEST_UNREACHABLE',
  'timeout-kex': 'GUEST_UNREACHABLE',
  'timeout-auth': 'GUEST_UNREACHABLE',
  reset: 'GUEST_UNREACHABLE',
  auth: 'GUEST_AUTH_FAILED',
  hostkey: 'GUEST_HOSTKEY_MISMATCH',
  other: 'GUEST_UNREACHABLE',
};

/** An IngotError for one failed attempt; `details.kind` is what the readiness loop branches on. */
export function attemptError(target: string, kind: AttemptKind, cause: unknown, hint?: string): IngotError {
  const why = cause instanceof Error && kind === 'other' ? `: ${cause.message}` : '';
  return new IngotError(CODE[kind], `SSH to ${target}: ${describeKind(kind)}${why}.`, {
    cause,
    hint: hint ?? (kind === 'auth'
      ? 'The guest did not accept the build key: check that cloud-init read the seed (the serial console log shows it) and that the user name matches the seeded user.'
      : 'Check that the guest is running and the address and port are right; with --keep the VM stays up for a look.'),
    details: { target, kind },
  });
}

/** The kind recorded on an attempt error, if it is one. */
export function kindOf(error: unknown): AttemptKind | undefined {
  if (!(error instanceof IngotError)) return undefined;
  const kind = error.details?.kind;
  return typeof kind === 'string' && kind in DESCRIBE ? (kind as AttemptKind) : undefined;
}
