// The guest SSH port: connect with a pinned host key (optionally through a bastion), wait for a
// ready guest, run provisioning steps, and the small operations later stages need.
export { connectGuest, describeEndpoint, DEFAULT_ATTEMPT_MS, type ConnectOptions, type ConnectTimeouts, type SshEndpoint } from './connect.js';
export { parseJumpSpec } from './jump.js';
export { fingerprintOf, parseHostKeyPin, type HostKeyPin, type HostKeyPolicy } from './host-key.js';
export { registerPrivateKey } from './keys.js';
export { waitForGuest, type WaitOptions } from './wait.js';
export { execInGuest, type ExecOptions, type ExecResult } from './exec.js';
export { runInGuest, runProbe, readFileFromGuest, poweroffGuest, bootId } from './helpers.js';
export { runSteps, defaultLabel, type RunStepsOptions } from './steps/run.js';
export type { GuestLink } from './steps/context.js';
export type { GuestSession } from './session.js';
export type { ProvisionStep, ShellStep, ScriptStep, UploadStep, RebootStep, StepResult } from './steps/types.js';
export type { AttemptKind } from './attempt.js';
