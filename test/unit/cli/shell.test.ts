import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';

describe('the CLI shell', () => {
  it('lists every command in --help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.status).toBe(0);
    for (const name of ['validate', 'build', 'check', 'convert', 'push', 'lab', 'clean']) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('prints the package version with --version', async () => {
    const r = await runCli(['--version']);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects an unknown command with usage status 2 and names the known ones', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stderr).toContain('validate, build');
  });

  it('rejects an unknown flag with status 2 and points at the command help', async () => {
    const r = await runCli(['validate', '--frob']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--frob'");
    expect(r.stderr).toContain("ingot validate --help");
  });

  it('gives --json errors as one NDJSON object with code, hint and exit', async () => {
    const r = await runCli(['frobnicate', '--json']);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'error', code: 'USAGE', exit: 2 });
  });

  it('shows a command help with its usage line', async () => {
    const r = await runCli(['check', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ingot check /);
  });
});


describe('ingot clean', () => {
  it('refuses a malformed --older-than before connecting anywhere', async () => {
    const r = await runCli(['clean', '--older-than', 'soon'], { env: { INGOT_XAPI_URL: 'https://127.0.0.1:1' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--older-than expects a duration such as 90m or 2h, got 'soon'");
  });
});

describe('ingot build --push', () => {
  it('refuses before touching any host when the Rackspace credentials it will need are missing', async () => {
    const r = await runCli(['build', 'recipes/debian-12.yaml', '--push'], { env: { HOME: '/nonexistent', INGOT_XAPI_URL: 'https://127.0.0.1:1' } });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('RAX_CREDENTIALS_MISSING');
    expect(r.stdout).not.toContain('resolve the source image');
  });
});
