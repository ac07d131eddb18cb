// Help text for `ingot --help` and `ingot CMD --help`.
import { GLOBAL_OPTIONS } from './args.js';
import type { Command, OptionSpec } from './command.js';

export function globalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'ingot — cast golden VM images on XCP-ng / Citrix Hypervisor and push them to Rackspace',
    '',
    'Usage: ingot COMMAND [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    "Run 'ingot COMMAND --help' for a command's options. Exit statuses are listed in docs/cli.md.",
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const own = Object.keys(command.options).length > 0 ? ['', 'Options:', ...optionLines(command.options)] : [];
  return [`Usage: ${command.usage}`, '', command.description, ...own, '', 'Global options:', ...optionLines(GLOBAL_OPTIONS)].join('\n');
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const left = Object.entries(options).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '    ';
    return `${short}--${name}${spec.value ? ` ${spec.value}` : ''}`;
  });
  const width = Math.max(...left.map((l) => l.length));
  return Object.values(options).map((spec, i) => `  ${left[i]!.padEnd(width)}  ${spec.description}${spec.multiple ? ' (repeatable)' : ''}`);
}
