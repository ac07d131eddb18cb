// Ending a connection: xen-api's own disconnect() logs out without waiting and leaves its event
// loop's `event.from` long poll (60 s on the host) in flight, which kept a finished ingot command
// alive for up to a minute. The client runs in a child process here (the built dist/, as the CLI
// runs it), so what is measured is what a user waits for: the process ending.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PASSWORD, startTestLab, USER, type TestLab } from '../../support/lab/lab.js';

const CLIENT = fileURLToPath(new URL('../../../dist/xapi/client.js', import.meta.url));
const REDACT = fileURLToPath(new URL('../../../dist/redact.js', import.meta.url));

// Connects, waits until the event loop's first event.from is in flight (xen-api polls 200 ms after
// its initial fetch), disconnects, and says when.
const SCRIPT = `
const { connectXapi } = await import(process.env.CLIENT);
const { Redactor } = await import(process.env.REDACT);
const x = await connectXapi({ url: process.env.URL, username: process.env.USER_NAME, password: process.env.PASSWORD, tls: { kind: 'fingerprint', sha256: process.env.FP }, bastion: undefined }, { redactor: new Redactor() });
await x.raw.objectsFetched;
await new Promise((r) => setTimeout(r, 2000));
await x.disconnect();
console.log('disconnected ' + Date.now());
`;

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.stop();
});

it('disconnect() logs out, and the process ends at once instead of waiting for the event long poll', { timeout: 120_000 }, async () => {
  const sessions = lab.lab.db.all('session').length;
  const child = execa(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    env: { CLIENT, REDACT, URL: lab.url, USER_NAME: USER, PASSWORD, FP: lab.fingerprint! },
    reject: false,
    timeout: 100_000,
  });
  const r = await child;
  const ended = Date.now();
  expect(r.exitCode).toBe(0);
  const disconnected = Number(/disconnected (\d+)/.exec(r.stdout)?.[1]);
  // Before the fix the process ended when the poll returned, ~58 s after disconnect().
  expect(ended - disconnected).toBeLessThan(20_000);
  expect(r.stderr).not.toContain('_watchEvents'); // xen-api warns there when a poll fails
  expect(lab.lab.db.all('session')).toHaveLength(sessions); // the logout reached the host first
});
