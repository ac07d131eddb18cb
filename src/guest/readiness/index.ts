// Readiness targets: prepare a guest for the cloud it is built for and prove it with a probe.
export { READINESS_ITEMS, READINESS_ITEM_IDS, SUPPORTED_SYSTEMS, type ReadinessItemId } from './items.js';
export { judgeReport, parseProbeReport, type ProbeItem, type ReportItem } from './report.js';
export { parseIdentity, type BuildIdentity, type GuestFacts } from './identity.js';
export { requireSupported, runReadiness, templatePath, READINESS_TEMPLATES, type ReadinessOptions, type ReadinessResult } from './run.js';
