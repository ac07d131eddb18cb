// The probe's report: parse what probe.sh printed, check it lists exactly the known items, mark
// the waived ones, and stop the build on any failed item the recipe does not waive.
import { IngotError } from '../../errors/index.js';
import { READINESS_ITEM_IDS, type ReadinessItemId } from './items.js';

export interface ProbeItem {
  id: ReadinessItemId;
  ok: boolean;
  evidence: string;
}

/** One item as the manifest records it (`readiness.report`). */
export interface ReportItem extends ProbeItem {
  /** The recipe lists the id under readiness.waive: a failure does not stop the build. */
  waived: boolean;
}

/** Checks the probe's JSON: a list of {id, ok, evidence}, exactly the ids of items.ts. */
export function parseProbeReport(value: unknown, target: string): ProbeItem[] {
  const bad = (why: string): IngotError => new IngotError('READINESS_PROBE_INVALID', `The readiness probe in ${target} printed an unusable report: ${why}.`, {
    hint: 'templates/readiness/rackspace/probe.sh and src/guest/readiness/items.ts must list the same ids; this is a bug in ingot if you did not edit them.',
  });
  if (!Array.isArray(value)) throw bad(`expected a JSON list, got ${value === null ? 'null' : typeof value}`);
  const items = value.map((entry: unknown, index): ProbeItem => {
    if (entry === null || typeof entry !== 'object') throw bad(`item ${index} is not an object`);
    const { id, ok, evidence } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || !(READINESS_ITEM_IDS as readonly string[]).includes(id)) throw bad(`item ${index} has the unknown id ${JSON.stringify(id)}`);
    if (typeof ok !== 'boolean' || typeof evidence !== 'string') throw bad(`item ${id} needs ok (true/false) and evidence (text)`);
    return { id: id as ReadinessItemId, ok, evidence };
  });
  const missing = READINESS_ITEM_IDS.filter((id) => !items.some((item) => item.id === id));
  if (missing.length > 0 || items.length !== READINESS_ITEM_IDS.length) throw bad(`expected the ${READINESS_ITEM_IDS.length} items ${READINESS_ITEM_IDS.join(', ')}; missing ${missing.join(', ') || 'none'}, got ${items.length}`);
  return items;
}

/** Marks waived items; throws READINESS_FAILED naming every failed item that is not waived. */
export function judgeReport(items: ProbeItem[], waive: readonly string[]): ReportItem[] {
  const report = items.map((item) => ({ ...item, waived: waive.includes(item.id) }));
  const failed = report.filter((item) => !item.ok && !item.waived);
  if (failed.length > 0) {
    const ids = failed.map((item) => item.id);
    throw new IngotError('READINESS_FAILED', `The image is not ready for Rackspace: ${failed.length} readiness item(s) failed:\n${failed.map((item) => `  ✖ ${item.id}: ${item.evidence}`).join('\n')}`, {
      hint: `Fix the cause in a provisioning step, or accept it by listing the id(s) in the recipe under readiness.waive: [${ids.join(', ')}] (docs/readiness.md explains each item).`,
      details: { failed: failed.map(({ id, evidence }) => ({ id, evidence })) },
    });
  }
  return report;
}
