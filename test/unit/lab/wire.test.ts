// The wire shapes of xapi.md §1.2/§1.3/§8, checked on hand-written requests, byte for byte where
// the reference gives them (its examples are wrapped for reading; XAPI sends no whitespace).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PASSWORD, USER, post, startTestLab, type TestLab } from '../../support/lab/lab.js';

let lab: TestLab;
let session: string;

const xmlCall = (method: string, ...params: string[]): string =>
  `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params.map((p) => `<param>${p}</param>`).join('')}</params></methodCall>`;
const s = (v: string): string => `<value>${v}</value>`;
const REF = 'OpaqueRef:[0-9a-f-]{36}';

beforeAll(async () => {
  lab = await startTestLab();
  const res = await post(lab, '/jsonrpc', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.login_with_password', params: [USER, PASSWORD] }), 'application/json');
  session = (JSON.parse(res.body) as { result: string }).result;
});
afterAll(async () => {
  await lab.stop();
});

describe('XML-RPC', () => {
  test('a login answers the Status/Value struct with text/xml and the CORS header', async () => {
    const res = await post(lab, '/', xmlCall('session.login_with_password', s(USER), s(PASSWORD)));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/xml');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.body).toMatch(
      new RegExp(`^<\\?xml version="1.0"\\?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name><value>${REF}</value></member></struct></value></param></params></methodResponse>$`),
    );
  });

  test('a failure carries ErrorDescription as an array of untyped strings', async () => {
    const res = await post(lab, '/RPC2', xmlCall('VM.get_all', s('OpaqueRef:nope')));
    expect(res.body).toBe(
      '<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Failure</value></member><member><name>ErrorDescription</name><value><array><data><value>SESSION_INVALID</value><value>OpaqueRef:nope</value></data></array></value></member></struct></value></param></params></methodResponse>',
    );
  });

  test('ints are untyped decimal text, floats <double>, datetimes compact dateTime.iso8601', async () => {
    const [vm] = lab.lab.db.all('VM').filter(([, r]) => r.name_label === 'Debian Bookworm 12').map(([ref]) => ref);
    const mem = await post(lab, '/xmlrpc', xmlCall('VM.get_memory_static_max', s(session), s(vm as string)));
    expect(mem.body).toContain('<member><name>Value</name><value>2147483648</value></member>');
    const task = lab.lab.db.create('task', { created: '20240131T12:00:00Z', progress: 0.25 });
    const created = await post(lab, '/', xmlCall('task.get_created', s(session), s(task)));
    expect(created.body).toContain('<value><dateTime.iso8601>20240131T12:00:00Z</dateTime.iso8601></value>');
    const progress = await post(lab, '/', xmlCall('task.get_progress', s(session), s(task)));
    expect(progress.body).toContain('<value><double>0.25</double></value>');
  });

  test('system.listMethods needs no session and is a bare array', async () => {
    const res = await post(lab, '/', '<methodCall><methodName>system.listMethods</methodName><params/></methodCall>');
    expect(res.body.startsWith('<?xml version="1.0"?><methodResponse><params><param><value><array><data><value>')).toBe(true);
    expect(res.body).not.toContain('Status');
    expect(res.body).toContain('<value>VM.get_all_records</value>');
    expect(res.body).not.toContain('Async.');
  });

  test('accepts requests without a prolog, <int>/<i4>/<i8>/string ints and enums in any case', async () => {
    const [vm] = lab.lab.db.all('VM').filter(([, r]) => r.name_label === 'Other install media').map(([ref]) => ref);
    for (const [encoded, expected] of [['<value><int>2</int></value>', 2], ['<value><i4>3</i4></value>', 3], ['<value><i8>4</i8></value>', 4], [s('5'), 5]] as const) {
      const res = await post(lab, '/', `<methodCall><methodName>VM.set_VCPUs_max</methodName><params><param>${s(session)}</param><param>${s(vm as string)}</param><param>${encoded}</param></params></methodCall>`);
      expect(res.body).toContain('<value>Success</value>');
      expect(lab.lab.db.get('VM', vm).VCPUs_max).toBe(expected);
    }
    const res = await post(lab, '/', xmlCall('VM.set_actions_after_crash', s(session), s(vm as string), s('PRESERVE')));
    expect(res.body).toContain('<value>Success</value>');
    expect(lab.lab.db.get('VM', vm).actions_after_crash).toBe('preserve');
  });

  test('a malformed body is HTTP 500 text/html, as XAPI answers a parse error', async () => {
    const res = await post(lab, '/', '<methodCall><methodName>x</methodCall>');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.body).toContain('Xmlrpc.Parse_error');
  });
});

describe('JSON-RPC', () => {
  const call = async (body: unknown) => post(lab, '/jsonrpc', JSON.stringify(body), 'application/json');

  test('v2 success is {jsonrpc, result, id} with no error key and content-type exactly application/json', async () => {
    const res = await call({ jsonrpc: '2.0', id: 7, method: 'pool.get_all', params: [session] });
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toBe(`{"jsonrpc":"2.0","result":["${lab.lab.poolRef}"],"id":7}`);
  });

  test('v2 failure is {code: 1, message: CODE, data: params}', async () => {
    const res = await call({ jsonrpc: '2.0', id: 'a', method: 'VM.get_record', params: [session, 'OpaqueRef:gone'] });
    expect(res.body).toBe('{"jsonrpc":"2.0","error":{"code":1,"message":"HANDLE_INVALID","data":["VM","OpaqueRef:gone"]},"id":"a"}');
  });

  test('v1 (no "jsonrpc" member) answers {result, error: null|[CODE, …], id}', async () => {
    const ok = await call({ id: 1, method: 'pool.get_all', params: [session] });
    expect(ok.body).toBe(`{"result":["${lab.lab.poolRef}"],"error":null,"id":1}`);
    const bad = await call({ id: 2, method: 'pool.get_all', params: ['OpaqueRef:x'] });
    expect(bad.body).toBe('{"result":null,"error":["SESSION_INVALID","OpaqueRef:x"],"id":2}');
  });

  test('ints are numbers, datetimes strings; listMethods is a plain result', async () => {
    const task = lab.lab.db.create('task', { created: '20240131T12:00:00Z' });
    const created = await call({ jsonrpc: '2.0', id: 1, method: 'task.get_record', params: [session, task] });
    const rec = (JSON.parse(created.body) as { result: Record<string, unknown> }).result;
    expect(rec.created).toBe('20240131T12:00:00Z');
    expect(rec.progress).toBe(0);
    const list = await call({ jsonrpc: '2.0', id: 1, method: 'system.listMethods', params: [] });
    expect((JSON.parse(list.body) as { result: string[] }).result).toContain('task.get_all_records');
  });

  test('a request without id (a notification) is rejected as malformed', async () => {
    const res = await call({ jsonrpc: '2.0', id: null, method: 'pool.get_all', params: [session] });
    expect(res.status).toBe(500);
    expect(res.body).toContain('Jsonrpc.Malformed_method_request');
  });
});

test('with http: true the lab serves plain HTTP and has no fingerprint', async () => {
  const plain = await startTestLab({ http: true });
  try {
    expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(plain.fingerprint).toBeUndefined();
    const res = await post(plain, '/jsonrpc', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.login_with_password', params: [USER, PASSWORD] }), 'application/json');
    expect(JSON.parse(res.body)).toMatchObject({ result: expect.stringMatching(/^OpaqueRef:/) });
  } finally {
    await plain.stop();
  }
});
