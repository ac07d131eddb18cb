// vitest globalSetup: one real Swift per test run, shared by test/integration/rackspace through
// inject('swift'). Skipped when the run is filtered to files that cannot need it; in CI missing
// binaries are an error, never a silent skip (a skipped Swift would hide an untested push).
import type { TestProject } from 'vitest/node';
import { missingSwiftBinaries, startSwift, type SwiftHandle, type SwiftInfo } from './swift-aio.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The loopback Swift, or a reason it is not there. */
    swift: SwiftInfo | { unavailable: string };
  }
}

function ciIsSet(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false';
}

// `vitest run test/unit/vhd` should not pay ~10 s for a Swift nobody uses: start it only when the
// run is unfiltered or a filter names the rackspace/swift tests.
function runNeedsSwift(): boolean {
  const filters = process.argv.slice(2).filter((arg) => !arg.startsWith('-') && arg !== 'run' && !/vitest/.test(arg));
  return filters.length === 0 || filters.some((f) => {
    const path = f.replace(/^\.\//, '');
    if (/(^|\/)unit(\/|$)/.test(path)) return false;
    return /rackspace|swift|push|bench/i.test(path) || 'test/integration/rackspace/'.startsWith(path);
  });
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!runNeedsSwift()) {
    project.provide('swift', { unavailable: 'not started: this run is filtered to tests that do not use Swift' });
    return undefined;
  }
  const missing = missingSwiftBinaries();
  if (missing.length > 0) {
    const reason = `Swift binaries missing: ${missing.join(', ')} (install the packages in scripts/packages.sh)`;
    if (ciIsSet()) throw new Error(`${reason}. CI must run the Swift tests.`);
    project.provide('swift', { unavailable: reason });
    return undefined;
  }
  const swift: SwiftHandle = await startSwift();
  const { stop, ...info } = swift;
  project.provide('swift', info);
  return stop;
}
