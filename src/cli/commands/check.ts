// `ingot check FILE.vhd`: strict VHD structure + what Rackspace Cloud Images accepts.
// Exit: 0 no errors (warnings allowed, unless --strict), 1 errors, 2 unreadable or usage.
import { EXIT, IngotError, type ExitStatus } from '../../errors/index.js';
import { RACKSPACE_MAX_SIZE, checkVhd, parseSize, type CheckResult } from '../../vhd/index.js';
import { flag, stringOption } from '../args.js';
import type { Command } from '../command.js';

export const checkCommand: Command = {
  name: 'check',
  summary: 'check a VHD against its structure rules and what Rackspace Cloud Images accepts',
  usage: 'ingot check FILE.vhd [--json] [--max-size SIZE] [--strict]',
  description:
    "Applies every rule of XenServer's vhd-util check (with its blind spots fixed), Rackspace's import rules\n" +
    '(error codes 396, 413/609, 523, 614, 721) and its advice that only XenServer-written ("tap") VHDs resize.\n' +
    'Each finding names its rule, byte offset, what was found, what was expected and the fix.\n' +
    'Exit status: 0 no errors (warnings are printed), 1 errors (or warnings with --strict), 2 unreadable file.\n' +
    'The rule list is in docs/vhd.md.',
  options: {
    'max-size': { type: 'string', value: 'SIZE', description: 'import limit for virtual and file size (default 160G, Rackspace)' },
    strict: { type: 'boolean', description: 'exit 1 on warnings too' },
  },
  async run(ctx, args) {
    const [file, ...extra] = args.positionals;
    if (file === undefined || extra.length > 0) throw new IngotError('USAGE', `ingot check takes one FILE.vhd, got ${args.positionals.length} argument(s)`, { hint: "Run 'ingot check --help'." });
    const maxText = stringOption(args, 'max-size');
    const maxSize = maxText === undefined ? RACKSPACE_MAX_SIZE : parseSize(maxText);
    const result = await checkVhd(file, { maxSize });
    const status = exitFor(result, flag(args, 'strict'));
    ctx.out.emit({ event: 'result', command: 'check', ok: status === EXIT.ok, data: result });
    ctx.out.text(render(result));
    return status;
  },
};

export function exitFor(result: CheckResult, strict: boolean): ExitStatus {
  if (result.verdict === 'unreadable') return EXIT.usage;
  if (result.verdict === 'fail') return EXIT.failed;
  return strict && result.findings.length > 0 ? EXIT.failed : EXIT.ok;
}

function render(r: CheckResult): string {
  const lines: string[] = [];
  if (r.disk) {
    const kind = { 2: 'fixed', 3: 'dynamic', 4: 'differencing' }[r.disk.type] ?? `type ${r.disk.type}`;
    const blocks = r.disk.allocatedBlocks === undefined ? '' : `, ${r.disk.allocatedBlocks} blocks allocated`;
    lines.push(`${r.path}: ${kind} VHD, virtual size ${r.disk.currentSize} bytes, creator "${r.disk.creator}" ${r.disk.creatorVersion}, uuid ${r.disk.uuid}${blocks}`);
  }
  for (const f of r.findings) {
    const rax = f.rackspace === undefined ? '' : ` (Rackspace import error ${f.rackspace})`;
    lines.push(`${f.severity} ${f.rule} at byte ${f.offset}: ${f.message}${rax}`, `  found: ${f.found}`, `  expected: ${f.expected}`, `  fix: ${f.fix}`);
  }
  for (const [rule, n] of Object.entries(r.suppressed)) lines.push(`  … and ${n} more ${rule} findings`);
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const warnings = r.findings.length - errors;
  const verdict = r.verdict === 'unreadable' ? 'UNREADABLE' : r.verdict === 'fail' ? 'FAIL' : 'PASS';
  lines.push(`${verdict}: ${errors} error(s), ${warnings} warning(s)`);
  return lines.join('\n');
}
