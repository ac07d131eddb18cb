// `ingot`: parse the command line, run one command, present any error, return the exit status.
// Library code never exits the process; this function returns the status to bin/ingot.js.
import { EXIT, IngotError, type ExitStatus } from '../errors/index.js';
import { Redactor } from '../redact.js';
import { ingotVersion } from '../version.js';
import { flag, parseCommandArgs, stringOption } from './args.js';
import type { CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';
import { commandHelp, globalHelp } from './help.js';
import { Output, chooseMode, type Streams } from './output.js';
import { presentError } from './present.js';

export interface MainIO {
  streams: Streams;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal?: AbortSignal;
}

export async function main(argv: string[], io?: Partial<MainIO>): Promise<ExitStatus> {
  const streams = io?.streams ?? { stdout: process.stdout, stderr: process.stderr };
  const env = io?.env ?? process.env;
  const cwd = io?.cwd ?? process.cwd();
  const redactor = new Redactor();
  const wantsJson = argv.includes('--json');
  let out = new Output({ mode: chooseMode(wantsJson, streams.stdout.isTTY === true, env), verbosity: 'normal', redactor, streams });
  const verbose = argv.includes('--verbose') || argv.includes('-v');

  const controller = new AbortController();
  // Ctrl-C and SIGTERM (a CI job cancelled, a container stopped) both unwind what the command
  // created; a second signal while unwinding falls through to Node's default and exits at once.
  const onSignal = (signal: NodeJS.Signals): void => controller.abort(new IngotError('INTERRUPTED', `interrupted (${signal === 'SIGINT' ? 'Ctrl-C' : signal})`, { hint: 'What the command had created on the host was removed first, unless --keep.' }));
  if (io?.signal) io.signal.addEventListener('abort', () => controller.abort(io.signal?.reason), { once: true });
  else {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  try {
    const name = argv.find((arg) => !arg.startsWith('-'));
    const command = name === undefined ? undefined : COMMANDS.find((c) => c.name === name);
    if (name !== undefined && command === undefined) {
      throw new IngotError('USAGE', `unknown command '${name}'`, {
        hint: `Commands: ${COMMANDS.map((c) => c.name).join(', ')}. Run 'ingot --help'.`,
      });
    }
    const rest = command ? argv.filter((arg, i) => i !== argv.indexOf(command.name)) : argv;
    const args = parseCommandArgs(command, rest);
    const global = {
      verbose: flag(args, 'verbose'),
      quiet: flag(args, 'quiet'),
      json: flag(args, 'json'),
      config: stringOption(args, 'config'),
    };
    out = new Output({ mode: out.mode, verbosity: global.verbose ? 'verbose' : global.quiet ? 'quiet' : 'normal', redactor, streams });

    if (flag(args, 'version') && command === undefined) {
      streams.stdout.write(`${ingotVersion()}\n`);
      return EXIT.ok;
    }
    if (command === undefined) {
      streams.stdout.write(`${globalHelp(COMMANDS)}\n`);
      return flag(args, 'help') ? EXIT.ok : EXIT.usage;
    }
    if (flag(args, 'help')) {
      streams.stdout.write(`${commandHelp(command)}\n`);
      return EXIT.ok;
    }
    const ctx: CommandContext = { out, redactor, env, cwd, signal: controller.signal, global };
    return await command.run(ctx, args);
  } catch (error) {
    return presentError(error, { out, streams, redactor, verbose });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

