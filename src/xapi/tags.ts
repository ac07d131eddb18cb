// How ingot marks what it creates on a host, so `ingot clean` can find leftovers of a build that
// died before its own cleanup ran: a tag on objects that have tags, and an other_config key.
export const INGOT_TAG = 'ingot';
export const BUILD_KEY = 'ingot:build';

export function buildOtherConfig(buildId: string): Record<string, string> {
  return { [BUILD_KEY]: buildId };
}
