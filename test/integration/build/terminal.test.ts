// What `ingot build` shows on a real terminal (a pseudo-terminal made by util-linux `script`): the
// listr2 task list with the build's stages, one group per build when several run; and plain lines
// when CI is set or stdout is a pipe. Assertions are on the text with escape sequences removed.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../../support/run-cli.js';
import { PASSWORD, startTestLab, USER, type TestLab } from '../../support/lab/lab.js';
import { sshFromSeed } from '../../support/lab/seeded-sshd.js';

let lab: TestLab;
let dir: string;
let env: Record<string, string>;

const marked = (cls: 'VM' | 'VDI') => lab.lab.db.all(cls).filter(([, r]) => (r.other_config as Record<string, string> | undefined)?.['ingot:build'] !== undefined);

async function recipe(name: string, template = 'No Such Template'): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, [
    `name: ${name}`,
    'source:',
    '  image:',
    '    path: disk.raw',
    'vm:',
    `  template: ${template}`,
    '  memory: 512MiB',
    '  disk: 1GiB',
    'readiness:',
    '  target: none',
    'output:',
    '  directory: out',
    '',
  ].join('\n'));
  return path;
}

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** Runs the CLI with stdout and stderr on a pseudo-terminal of 120 columns; returns what the terminal received. */
async function onTerminal(args: string[], extraEnv: Record<string, string> = {}): Promise<{ status: number; screen: string; raw: string; final: string }> {
  const command = `stty cols 120 rows 50; ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const r = await execa('script', ['-qec', command, '/dev/null'], {
    reject: false, extendEnv: false, stdin: 'ignore', timeout: 150_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color', ...env, ...extraEnv },
  });
  const clean = (text: string): string => stripVTControlCharacters(text).replaceAll('\r', '');
  // listr2 erases and redraws its frame; what stays on the screen is what follows the last erase.
  const erases = [...r.stdout.matchAll(/\u001b\[(?:2K|\d*A|G)/g)];
  const last = erases.at(-1);
  return { status: r.exitCode ?? -1, raw: r.stdout, screen: clean(r.stdout), final: clean(last === undefined ? r.stdout : r.stdout.slice(last.index + last[0].length)) };
}

beforeAll(async () => {
  // Guests on a loopback /16 of this file's own (their sshd listens on <address>:22).
  lab = await startTestLab({ guestNetwork: '127.82' });
  dir = await mkdtemp(join(tmpdir(), 'ingot-build-terminal-'));
  await writeFile(join(dir, 'disk.raw'), Buffer.concat([randomBytes(65536), Buffer.alloc(2 * 1024 * 1024)]));
  await writeFile(join(dir, 'password'), PASSWORD);
  env = { HOME: dir, INGOT_XAPI_URL: lab.url, INGOT_XAPI_USERNAME: USER, INGOT_XAPI_PASSWORD_FILE: join(dir, 'password'), INGOT_XAPI_FINGERPRINT: lab.fingerprint! };
});
afterEach(() => {
  lab.hypervisor.script = () => ({});
});
afterAll(async () => {
  await lab?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ingot build on a terminal', () => {
  it('shows the stages as a listr2 task list, the failed stage with its error, and still unwinds', { timeout: 180_000 }, async () => {
    const r = await onTerminal(['build', await recipe('tty-one')]);
    expect(r.status).toBe(1);
    // listr2 redraws in place: cursor movement and line erasing, which plain output never uses.
    expect(r.raw).toMatch(/\u001b\[\d*[AGK]/);
    // The last frame, which stays on the screen.
    expect(r.final).toMatch(/^✔ resolve the source image — raw 2\.1 MiB/m);
    expect(r.final).toMatch(/^✔ import the source disk into a new VDI — /m);
    expect(r.final).toMatch(/^✖ create the build VM\n +› no template or VM named or with uuid "No Such Template"/m);
    // Stages never reached stay listed as pending.
    expect(r.final).toMatch(/^◼ write the manifest$/m);
    expect(r.screen).not.toMatch(/✔ write the manifest/);
    // While it ran, the stage showed its progress under its title.
    expect(r.screen).toMatch(/› verify █*░* \d+%/);
    expect(r.screen).toContain('error[XAPI_NOT_FOUND]');
    expect(r.screen).not.toContain(PASSWORD);
    expect(marked('VDI')).toEqual([]);
  });

  it('shows a successful build stage by stage to the manifest, then what it built', { timeout: 240_000 }, async () => {
    lab.hypervisor.script = () => sshFromSeed();
    const r = await onTerminal(['build', await recipe('tty-good', 'Debian Bookworm 12')]);
    expect(r.status).toBe(0);
    for (const title of ['boot the VM and reach it over SSH — SSH to', 'power the guest off — ', 'export the disk as a VHD — ', 'check the VHD', 'remove the build VM and its disks — ', 'write the manifest — ']) {
      expect(r.final).toMatch(new RegExp(`^✔ ${title}`, 'm'));
    }
    expect(r.final).toMatch(/^↓ .*skipped/m); // provision, readiness and push have nothing to do here
    expect(r.final).toContain(`built ${join(dir, 'out', 'tty-good.vhd')} (`);
    expect(marked('VM')).toEqual([]);
    expect(marked('VDI')).toEqual([]);
  });

  it('shows one task group per build when several run', { timeout: 180_000 }, async () => {
    const r = await onTerminal(['build', await recipe('tty-a'), await recipe('tty-b'), '--parallel', '2']);
    expect(r.status).toBe(1);
    // The last frame: each group (listr2 marks one whose subtasks failed with ❯), its stages indented under it.
    expect(r.final).toMatch(/^[✖❯] tty-a \(tty-a-\d{8}-\d{6}-[0-9a-f]{4}\) — failed\n +✔ resolve the source image/m);
    expect(r.final).toMatch(/^[✖❯] tty-b \(tty-b-\d{8}-\d{6}-[0-9a-f]{4}\) — failed\n +✔ resolve the source image/m);
    expect(r.final.match(/^ +✔ import the source disk into a new VDI/gm)).toHaveLength(2);
    expect(r.final.match(/^ +✖ create the build VM$/gm)).toHaveLength(2);
    expect(r.screen).toMatch(/^2 builds: 2 failed$/m);
    expect(r.screen).toContain('error[BUILDS_FAILED]');
    expect(marked('VDI')).toEqual([]);
  });

  it('redacts secrets in what listr2 prints', { timeout: 180_000 }, async () => {
    // The XAPI password is a registered secret; a template named like it reaches the failed stage's line.
    const r = await onTerminal(['build', await recipe('tty-secret', PASSWORD)]);
    expect(r.status).toBe(1);
    expect(r.final).toMatch(/^✖ create the build VM\n +› no template or VM named or with uuid "\[redacted\]"/m);
    expect(r.raw).not.toContain(PASSWORD);
  });

  it('prints plain lines on a terminal when CI is set, and when stdout is a pipe', { timeout: 180_000 }, async () => {
    const ci = await onTerminal(['build', await recipe('tty-ci')], { CI: 'true' });
    expect(ci.status).toBe(1);
    expect(ci.raw).not.toMatch(/\u001b\[/);
    expect(ci.screen).toMatch(/^… import the source disk into a new VDI$/m);
    expect(ci.screen).toMatch(/^✖ create the build VM$/m);

    const piped = await runCli(['build', await recipe('piped')], { env: { ...env, CI: '' }, timeout: 150_000 });
    expect(piped.status).toBe(1);
    expect(piped.stdout).not.toMatch(/\u001b\[/);
    expect(piped.stdout).toMatch(/^✔ import the source disk into a new VDI — /m);
  });
});
