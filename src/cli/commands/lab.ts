// `ingot lab serve|up|down|status`: the XAPI-compatible lab host (docs/lab.md). The command parses
// options and calls src/lab; it never touches the protocol itself.
import { resolve } from 'node:path';
import { EXIT, IngotError, type ExitStatus } from '../../errors/index.js';
import { clearState, runningLab, startBackground, stopBackground, writeState, type LabState } from '../../lab/daemon.js';
import { startLab } from '../../lab/index.js';
import { ACCEL_REQUESTS, type AccelRequest } from '../../lab/qemu/accel.js';
import { createQemuHypervisor } from '../../lab/qemu/index.js';
import { DEFAULT_PORT, DEFAULT_USER, labDir, labPassword } from '../../lab/settings.js';
import { flag, stringOption } from '../args.js';
import type { Command, CommandContext, ParsedArgs } from '../command.js';

const SUBCOMMANDS = ['serve', 'up', 'down', 'status'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

function portOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new IngotError('USAGE', `--port must be 0..65535, got '${text}'`, { hint: '0 picks a free port.' });
  return port;
}

function accelOf(text: string | undefined): AccelRequest {
  const value = text ?? 'auto';
  if (!(ACCEL_REQUESTS as readonly string[]).includes(value)) throw new IngotError('USAGE', `--accel must be one of ${ACCEL_REQUESTS.join(', ')}, got '${value}'`, { hint: 'auto picks KVM only where a guest can boot in it.' });
  return value as AccelRequest;
}

function describe(ctx: CommandContext, state: LabState, verb: string): void {
  ctx.out.emit({ event: 'result', command: 'lab', ok: true, url: state.url, user: state.user, fingerprint: state.fingerprint, data: { url: state.url, user: state.user, fingerprint: state.fingerprint, passwordFile: state.passwordFile, accel: state.accel, pid: state.pid } });
  ctx.out.text(
    [
      `${verb} ${state.url}`,
      `  user:        ${state.user}`,
      `  password:    in ${state.passwordFile}`,
      state.fingerprint ? `  fingerprint: SHA-256 ${state.fingerprint}` : '  (plain HTTP: no certificate)',
      state.accelReason ? `  VMs run with ${state.accelReason}` : '',
    ]
      .filter((l) => l !== '')
      .join('\n'),
  );
}

async function serve(ctx: CommandContext, args: ParsedArgs, dir: string): Promise<ExitStatus> {
  const existing = await runningLab(dir);
  if (existing !== undefined) throw new IngotError('LAB_ALREADY_RUNNING', `A lab already runs on ${dir} (pid ${existing.pid}, ${existing.url}).`, { hint: "Stop it with 'ingot lab down', or use another --dir." });
  const user = stringOption(args, 'user') ?? DEFAULT_USER;
  const pw = await labPassword(dir, stringOption(args, 'password-file'), ctx.cwd);
  ctx.redactor.add(pw.password);
  const hypervisor = await createQemuHypervisor({ accel: accelOf(stringOption(args, 'accel')) });
  const lab = await startLab({
    dir,
    user: { name: user, password: pw.password },
    host: stringOption(args, 'host') ?? '127.0.0.1',
    port: portOf(stringOption(args, 'port')),
    http: flag(args, 'http'),
    ...(stringOption(args, 'pool-member') ? { memberAddress: stringOption(args, 'pool-member') as string } : {}),
    hypervisor,
    report: ctx.out.report,
  });
  const state: LabState = { pid: process.pid, url: lab.url, user, fingerprint: lab.fingerprint, passwordFile: pw.file, accel: hypervisor.accel, accelReason: hypervisor.accelReason };
  await writeState(dir, state);
  describe(ctx, state, 'lab listening on');
  if (lab.memberUrl !== undefined) ctx.out.log('info', `  pool member (answers HOST_IS_SLAVE): ${lab.memberUrl}`);
  // Foreground until Ctrl-C (the CLI's abort signal) or SIGTERM (`ingot lab down`).
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    process.once('SIGTERM', () => resolve());
  });
  await lab.close();
  await clearState(dir, process.pid);
  ctx.out.log('info', 'lab stopped');
  return EXIT.ok;
}

export const labCommand: Command = {
  name: 'lab',
  summary: 'run a local XAPI-compatible host whose VMs are real QEMU guests',
  usage: 'ingot lab serve|up|down|status [--dir DIR] [--port N] [--user U] [--password-file F] [--http] [--accel kvm|tcg|auto] [--pool-member ADDR]',
  description:
    'serve runs the lab host in the foreground; up starts it in the background, down stops it, status\n' +
    'reports it. Once listening it prints the URL, the user, where the password is kept and the\n' +
    "certificate's SHA-256 fingerprint (pin it in clients). Without --password-file a password is\n" +
    'generated once and kept in DIR/password (mode 0600). State (database, certificate, disks) lives in\n' +
    'DIR (default $XDG_STATE_HOME/ingot/lab) and survives restarts. Exit status: 0 ok, 1 no lab running\n' +
    '(status, down) or already running (serve, up), 2 usage, 3 bad configuration, 4 the lab could not start.\n' +
    'What the lab does and does not do: docs/lab.md.',
  options: {
    dir: { type: 'string', value: 'DIR', description: 'state directory (default $XDG_STATE_HOME/ingot/lab)' },
    port: { type: 'string', value: 'N', description: `port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)` },
    host: { type: 'string', value: 'ADDR', description: 'loopback address to listen on (default 127.0.0.1)' },
    user: { type: 'string', value: 'U', description: `login user (default ${DEFAULT_USER})` },
    'password-file': { type: 'string', value: 'F', description: 'file holding the login password (default: generated into DIR/password)' },
    http: { type: 'boolean', description: 'plain HTTP instead of HTTPS' },
    'pool-member': { type: 'string', value: 'ADDR', description: 'also listen on ADDR (same port) as a pool member answering HOST_IS_SLAVE' },
    accel: { type: 'string', value: 'kvm|tcg|auto', description: 'QEMU accelerator for VMs (default auto: KVM only where guests boot in it)' },
  },
  async run(ctx, args) {
    const [sub, ...extra] = args.positionals;
    if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub) || extra.length > 0) {
      throw new IngotError('USAGE', `ingot lab takes one of ${SUBCOMMANDS.join(', ')}, got '${args.positionals.join(' ')}'`, { hint: "Run 'ingot lab --help'." });
    }
    const dir = labDir(stringOption(args, 'dir'), ctx.env, ctx.cwd);
    switch (sub as Sub) {
      case 'serve':
        return serve(ctx, args, dir);
      case 'up': {
        const existing = await runningLab(dir);
        if (existing !== undefined) throw new IngotError('LAB_ALREADY_RUNNING', `A lab already runs on ${dir} (pid ${existing.pid}, ${existing.url}).`, { hint: "'ingot lab status' shows it; 'ingot lab down' stops it." });
        const passOn = ['port', 'host', 'user', 'password-file', 'accel', 'pool-member'].flatMap((name) => {
          const value = stringOption(args, name);
          return value === undefined ? [] : [`--${name}`, name === 'password-file' ? resolve(ctx.cwd, value) : value];
        });
        const state = await startBackground(dir, ['--dir', dir, ...passOn, ...(flag(args, 'http') ? ['--http'] : [])]);
        describe(ctx, state, 'lab running in the background on');
        return EXIT.ok;
      }
      case 'status': {
        const state = await runningLab(dir);
        if (state === undefined) throw new IngotError('LAB_NOT_RUNNING', `No lab runs on ${dir}.`, { hint: "Start one with 'ingot lab up'." });
        describe(ctx, state, `lab (pid ${state.pid}) running on`);
        return EXIT.ok;
      }
      case 'down': {
        const state = await runningLab(dir);
        if (state === undefined) throw new IngotError('LAB_NOT_RUNNING', `No lab runs on ${dir}.`, { hint: 'Nothing to stop.' });
        await stopBackground(state);
        ctx.out.emit({ event: 'result', command: 'lab', ok: true, data: { stopped: state.pid } });
        ctx.out.text(`lab (pid ${state.pid}) stopped`);
        return EXIT.ok;
      }
    }
  },
};
