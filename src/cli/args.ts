// Argument parsing on node:util parseArgs, with errors that name the flag and the fix.
import { parseArgs } from 'node:util';
import { IngotError } from '../errors/index.js';
import type { Command, OptionSpec, ParsedArgs } from './command.js';

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show help for ingot or for a command' },
  version: { type: 'boolean', description: 'print the version and exit' },
  verbose: { type: 'boolean', short: 'v', description: 'more detail, including debug lines and error causes' },
  quiet: { type: 'boolean', short: 'q', description: 'only warnings, errors and results' },
  json: { type: 'boolean', description: 'machine-readable output: one JSON object per line (NDJSON)' },
  config: { type: 'string', value: 'FILE', description: 'configuration file (default: $INGOT_CONFIG, then ~/.config/ingot/config.yaml)' },
};

export function parseCommandArgs(command: Command | undefined, argv: string[]): ParsedArgs {
  const specs = { ...GLOBAL_OPTIONS, ...(command?.options ?? {}) };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    const where = command ? `ingot ${command.name}` : 'ingot';
    throw new IngotError('USAGE', `${where}: ${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}`, {
      hint: `Run '${where} --help' for the options it accepts.`,
      cause: error,
    });
  }
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(args: ParsedArgs, name: string): string[] {
  const value = args.values[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : [];
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}
