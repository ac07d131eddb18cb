// Every error code ingot can report, with the exit status the presenter maps it to.
// Exit statuses are documented in docs/cli.md; keep the two in step.

export const EXIT = {
  ok: 0,
  /** The thing examined is invalid or the operation failed (bad recipe, VHD findings, build failed). */
  failed: 1,
  /** The command line is wrong, or an input file cannot be read at all. */
  usage: 2,
  /** Configuration or credentials are missing or wrong. */
  config: 3,
  /** An outside system (XAPI host, Rackspace, a local tool) failed or refused. */
  external: 4,
  /** The command exists but is not built yet. */
  unavailable: 5,
  /** A bug in ingot. */
  internal: 70,
  /** Interrupted by the user (SIGINT). */
  interrupted: 130,
} as const;

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

export const ERROR_CODES = {
  USAGE: EXIT.usage,
  INPUT_UNREADABLE: EXIT.usage,
  RECIPE_INVALID: EXIT.failed,
  CONFIG_INVALID: EXIT.config,
  SECRET_UNREADABLE: EXIT.config,
  NOT_IMPLEMENTED: EXIT.unavailable,
  TOOL_MISSING: EXIT.external,
  TOOL_FAILED: EXIT.external,
  INTERRUPTED: EXIT.interrupted,
  INTERNAL: EXIT.internal,
  // Build pipeline (src/pipeline)
  SOURCE_UNAVAILABLE: EXIT.external,
  SOURCE_CHECKSUM_MISMATCH: EXIT.failed,
  BUILD_FAILED: EXIT.failed,
  BUILDS_FAILED: EXIT.failed,
  BUILD_OUTPUT_CLASH: EXIT.usage,
  // VHD engine (src/vhd)
  VHD_INVALID: EXIT.failed,
  VHD_CHECK_FAILED: EXIT.failed,
  VHD_INPUT_EMPTY: EXIT.usage,
  VHD_INPUT_FORMAT: EXIT.usage,
  VHD_TOO_LARGE: EXIT.failed,
  VHD_SOURCE_CHANGED: EXIT.failed,
  VHD_OUTPUT_EXISTS: EXIT.usage,
  // XAPI (src/xapi)
  XAPI_UNREACHABLE: EXIT.external,
  XAPI_TLS_UNTRUSTED: EXIT.config,
  XAPI_AUTH_FAILED: EXIT.config,
  XAPI_ERROR: EXIT.external,
  XAPI_NOT_FOUND: EXIT.failed,
  XAPI_TIMEOUT: EXIT.external,
  XAPI_SR_UNSUITABLE: EXIT.failed,
  XAPI_SOURCE_UNSUITABLE: EXIT.failed,
  // Rackspace (src/rackspace)
  RAX_CREDENTIALS_MISSING: EXIT.config,
  RAX_AUTH_FAILED: EXIT.config,
  RAX_ENDPOINT_MISSING: EXIT.config,
  RAX_HTTP_FAILED: EXIT.external,
  RAX_UPLOAD_FAILED: EXIT.external,
  RAX_IMPORT_REJECTED: EXIT.failed,
  RAX_IMPORT_TIMEOUT: EXIT.external,
  RAX_METADATA_FAILED: EXIT.external,
  // Lab host (src/lab)
  LAB_TLS_FAILED: EXIT.external,
  LAB_LISTEN_FAILED: EXIT.external,
  LAB_STATE_INVALID: EXIT.config,
  LAB_NOT_RUNNING: EXIT.failed,
  LAB_ALREADY_RUNNING: EXIT.failed,
  LAB_START_FAILED: EXIT.external,
  // QEMU runner (src/lab/qemu)
  ACCEL_UNAVAILABLE: EXIT.config,
  GUEST_SPEC_INVALID: EXIT.failed,
  QEMU_START_FAILED: EXIT.external,
  GUEST_DIED: EXIT.external,
  // Seed media and build access (src/guest/iso, src/guest/seed)
  ISO_INVALID: EXIT.failed,
  ISO_SOURCE_CHANGED: EXIT.failed,
  USER_DATA_INVALID: EXIT.failed,
  SEED_INVALID: EXIT.failed,
  // Guest (src/guest): SSH connection, readiness, provisioning steps
  GUEST_UNREACHABLE: EXIT.external,
  GUEST_HOSTKEY_MISMATCH: EXIT.failed,
  GUEST_AUTH_FAILED: EXIT.config,
  GUEST_NOT_READY: EXIT.external,
  GUEST_COMMAND_FAILED: EXIT.external,
  GUEST_REBOOT_FAILED: EXIT.external,
  STEP_INVALID: EXIT.failed,
  STEP_FAILED: EXIT.failed,
  STEP_TIMEOUT: EXIT.failed,
  // Readiness targets (src/guest/readiness)
  READINESS_UNSUPPORTED: EXIT.failed,
  READINESS_FAILED: EXIT.failed,
  READINESS_PROBE_INVALID: EXIT.failed,
  // Rehearsal (src/pipeline/rehearse): the image booted like a Rackspace server and a check failed
  REHEARSAL_FAILED: EXIT.failed,
} as const satisfies Record<string, ExitStatus>;

export type ErrorCode = keyof typeof ERROR_CODES;
