// ingot's own XAPI facade (src/xapi) against the lab (src/lab): two independent readings of the
// same reference, so a disagreement between them fails here. TLS is verified by the pinned
// fingerprint the lab reports, as a user configures it.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Redactor } from '../../../src/redact.js';
import { connectXapi, type XapiClient } from '../../../src/xapi/client.js';
import { chooseNetwork, attachNic } from '../../../src/xapi/network.js';
import { chooseSr } from '../../../src/xapi/sr.js';
import { attachDisk } from '../../../src/xapi/vbd.js';
import { createVdi, exportVdi, importIntoVdi } from '../../../src/xapi/vdi.js';
import { configureVm, findTemplate, instantiate, startVm, stopVm } from '../../../src/xapi/vm.js';
import { guestMetricsRef, waitForGuestAddress } from '../../../src/xapi/metrics.js';
import type { Ref } from '../../../src/xapi/types.generated.js';
import { PASSWORD, USER, startTestLab, type TestLab } from '../../support/lab/lab.js';

const MiB = 1024 * 1024;
let lab: TestLab;
let xapi: XapiClient;

beforeAll(async () => {
  lab = await startTestLab();
  xapi = await connectXapi(
    { url: lab.url, username: USER, password: PASSWORD, tls: { kind: 'fingerprint', sha256: lab.fingerprint as string }, bastion: undefined },
    { redactor: new Redactor() },
  );
});
afterAll(async () => {
  await xapi?.disconnect();
  await lab?.stop();
});

test('the thick SR is refused and the thin default SR chosen', async () => {
  await expect(chooseSr(xapi, 'Local LVM (thick)', MiB)).rejects.toMatchObject({ code: 'XAPI_SR_UNSUITABLE' });
  const sr = await chooseSr(xapi, 'default', MiB);
  expect(sr.record.name_label).toBe('Local storage');
});

test('import → VM from template → start → guest address → stop → export, through ingot\'s facade', async () => {
  const sr = await chooseSr(xapi, 'default', 4 * MiB);
  const disk = Buffer.concat([randomBytes(MiB), Buffer.alloc(3 * MiB)]);
  const vdi = await createVdi(xapi, { sr: sr.ref, virtualSize: disk.length, nameLabel: 'root', nameDescription: '', buildId: 'b1' });
  await importIntoVdi(xapi, vdi, 'raw', { length: disk.length, stream: Readable.from([disk]) }, () => undefined, 'upload');

  const template = await findTemplate(xapi, 'Debian Bookworm 12');
  const vm = await instantiate(xapi, template.ref, 'ingot-build', 'b1');
  await configureVm(xapi, vm, { memoryBytes: 512 * MiB, vcpus: 2, firmware: 'bios', bootOrder: 'cd', platform: {}, description: 'test', tags: [] });
  await attachDisk(xapi, vm, vdi);
  const net = await chooseNetwork(xapi, undefined);
  await attachNic(xapi, vm, net.ref, Number(net.record.MTU));
  const stale = await guestMetricsRef(xapi, vm);
  await startVm(xapi, vm);
  const address = await waitForGuestAddress(xapi, vm, { staleMetrics: stale, timeoutMs: 10_000, ipv4GraceMs: 5_000 });
  const uuid = await xapi.call<string>('VM.get_uuid', vm);
  expect(address).toBe(lab.hypervisor.guestOf(uuid)?.spec.address);
  expect(lab.hypervisor.guestOf(uuid)?.spec).toMatchObject({ vcpus: 2, memoryBytes: 512 * MiB, firmware: 'bios' });
  expect(await stopVm(xapi, vm, 10_000)).toBe('clean');

  const { stream, done } = await exportVdi(xapi, vdi as Ref<'VDI'>, 'raw');
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  await done;
  expect(Buffer.concat(chunks).equals(disk)).toBe(true);
});
