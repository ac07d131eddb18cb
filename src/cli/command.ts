// The shape every command module exports; src/cli/commands/index.ts lists them.
import type { ExitStatus } from '../errors/index.js';
import type { Redactor } from '../redact.js';
import type { Output } from './output.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown in --help, e.g. `--max-size SIZE`. */
  value?: string;
  description: string;
}

export interface CommandContext {
  out: Output;
  redactor: Redactor;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal: AbortSignal;
  /** Global flags, already parsed. */
  global: { verbose: boolean; quiet: boolean; json: boolean; config: string | undefined };
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
}

export interface Command {
  name: string;
  summary: string;
  /** e.g. `ingot validate RECIPE…` */
  usage: string;
  /** Paragraphs shown under the usage line in `ingot CMD --help`. */
  description: string;
  options: Record<string, OptionSpec>;
  /** Sub-commands, for `ingot lab up` and the like. */
  run(ctx: CommandContext, args: ParsedArgs): Promise<ExitStatus>;
}
