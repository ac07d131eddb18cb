// Per-file test wiring: the shared Swift from globalSetup, a fresh emulator, a temp dir, and a
// pushVhd call with fast retries and polling (the defaults are Rackspace's: 30 s polls).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { IngotEvent } from '../../../src/cli/events.js';
import { Redactor } from '../../../src/redact.js';
import { pushVhd, type PushOptions, type PushResult } from '../../../src/rackspace/push.js';
import type { SwiftInfo } from '../swift/swift-aio.js';
import { startEmulator, TEST_API_KEY, TEST_USER, type Emulator } from './emulator.js';

/** The Swift started by test/support/swift/global-setup.ts; throws with the reason when absent. */
export function sharedSwift(): SwiftInfo {
  const swift = inject('swift');
  if ('unavailable' in swift) throw new Error(`no Swift for this test: ${swift.unavailable}`);
  return swift;
}

export interface Harness {
  emu: Emulator;
  swift: SwiftInfo;
  dir: string;
  push(overrides?: Partial<PushOptions>): Promise<{ result: PushResult; events: IngotEvent[] }>;
  close(): Promise<void>;
}

export async function harness(overrides: Parameters<typeof startEmulator>[1] = {}): Promise<Harness> {
  const swift = sharedSwift();
  const emu = await startEmulator(swift, overrides);
  const dir = await mkdtemp(join(tmpdir(), 'ingot-push-'));
  return {
    emu,
    swift,
    dir,
    async push(opts = {}) {
      const events: IngotEvent[] = [];
      const result = await pushVhd({
        file: join(dir, 'disk.vhd'),
        name: 'test image',
        sshUser: 'debian',
        identityUrl: emu.identityUrl,
        credentials: { username: TEST_USER, apiKey: TEST_API_KEY },
        redactor: new Redactor(),
        report: (e) => events.push(e),
        pollIntervalMs: 20,
        retry: { baseDelayMs: 20, maxDelayMs: 200, attempts: 4, timeoutMs: 30_000 },
        ...opts,
      });
      return { result, events };
    },
    async close() {
      await emu.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Downloads an object from the real Swift (SLO manifests stream as one object). */
export async function download(swift: SwiftInfo, token: string, path: string): Promise<Buffer> {
  const res = await fetch(`${swift.storageUrl}/${path}`, { headers: { 'X-Auth-Token': token } });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}
