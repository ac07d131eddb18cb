// Every lab numbers its guests' loopback addresses from 127.77.0.2; a second lab on the same
// machine (another user's, a test's) must not hand out an address whose port 22 is taken.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, login, refByName, startTestLab, type TestLab } from '../../support/lab/lab.js';

let lab: TestLab;
let blocker: Server | undefined;

beforeAll(async () => {
  lab = await startTestLab();
  // Hold 127.77.0.2:22 (if something on this machine holds it already, so much the better).
  blocker = await new Promise<Server | undefined>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(22, '127.77.0.2', () => resolve(server));
  });
});
afterAll(async () => {
  blocker?.close();
  await lab?.stop();
});

test('a VM started while another process holds 127.77.0.2:22 gets the next address', async () => {
  const session = await login(lab);
  const vm = await call<string>(lab, 'VM.clone', session, refByName(lab, 'VM', 'Debian Bookworm 12'), 'address-probe');
  await call(lab, 'VM.remove_from_other_config', session, vm, 'disks');
  await call(lab, 'VM.provision', session, vm);
  await call(lab, 'VM.start', session, vm, false, false);
  const uuid = String(lab.lab.db.get('VM', vm).uuid);
  const address = lab.hypervisor.guestOf(uuid)?.spec.address;
  expect(address).toMatch(/^127\.77\.\d+\.\d+$/);
  expect(address).not.toBe('127.77.0.2');
  await call(lab, 'VM.hard_shutdown', session, vm);
});
