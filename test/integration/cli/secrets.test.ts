// Secrets given to the real CLI never come back out: not in text, errors, nor --json.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';

const SECRETS = {
  INGOT_XAPI_PASSWORD: 'xapi-pw-7d1f0e',
  RAX_API_KEY: 'rax-key-0c9e44b1a2',
  RAX_PASSWORD: 'rax-pw-55aa11',
};

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ingot-secrets-'));
});

function expectNoSecret(...outputs: string[]): void {
  for (const out of outputs) for (const secret of Object.values(SECRETS)) expect(out).not.toContain(secret);
}

describe('secrets never reach output', () => {
  it('ingot config reports secrets only as set, in text and in --json', async () => {
    const env = { HOME: home, INGOT_XAPI_URL: 'https://xcp.test', ...SECRETS };
    const text = await runCli(['config'], { env });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/xapi\.password\s+\(set\)\s+\(env\)/);
    const json = await runCli(['config', '--json'], { env });
    const result = JSON.parse(json.stdout.trim().split('\n').at(-1)!) as { data: { values: Record<string, { value: string }> } };
    expect(result.data.values['rackspace.api_key']!.value).toBe('(set)');
    expectNoSecret(text.stdout, text.stderr, json.stdout, json.stderr);
  });

  it('a secret read from a file stays hidden when an error quotes the URL that carries it', async () => {
    await writeFile(join(home, 'pw'), `${SECRETS.INGOT_XAPI_PASSWORD}\n`);
    const env = { HOME: home, INGOT_XAPI_PASSWORD_FILE: join(home, 'pw'), INGOT_XAPI_URL: `ftp://root:${SECRETS.INGOT_XAPI_PASSWORD}@h` };
    for (const args of [['config'], ['config', '--json'], ['config', '--verbose']]) {
      const r = await runCli(args, { env });
      expect(r.status).toBe(3);
      expect(`${r.stdout}${r.stderr}`).toContain('CONFIG_INVALID');
      expectNoSecret(r.stdout, r.stderr);
    }
  });
});
