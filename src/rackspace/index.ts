// Rackspace: Identity v2.0, Cloud Files, Cloud Images import, image metadata (rackspace.md).
export { pushVhd, DEFAULT_CONTAINER, DEFAULT_POLL_MS, type PushOptions, type PushResult } from './push.js';
export { DEFAULT_IDENTITY_URL, IdentitySession, type Credentials } from './identity.js';
export { explainTaskFailure } from './task-errors.js';
export { parseSize, planSegments } from './slo.js';
