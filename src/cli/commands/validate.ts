// `ingot validate RECIPE…`: schema and semantic checks, every finding with file:line:col and a hint.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT, IngotError } from '../../errors/index.js';
import { formatFinding, loadRecipe, parseVarFlags, type RecipeCheck } from '../../recipe/index.js';
import { listOption } from '../args.js';
import type { Command, CommandContext } from '../command.js';

export const VAR_OPTION = {
  type: 'string',
  multiple: true,
  value: 'NAME=VALUE',
  description: 'set a recipe variable (wins over INGOT_VAR_NAME and the recipe default)',
} as const;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check recipes: schema and semantics, every error with file:line:col and a hint',
  usage: 'ingot validate RECIPE… [--var NAME=VALUE]…',
  description: [
    'Checks each recipe and reports every error at once: file:line:col, the dotted path, what was',
    'expected, what was found, and a hint. Nothing is downloaded or touched.',
    'Exit status: 0 all valid, 1 some recipe invalid, 2 no recipe given or a file cannot be read.',
  ].join('\n'),
  options: { var: VAR_OPTION },
  async run(ctx, args) {
    const files = args.positionals;
    if (files.length === 0) {
      throw new IngotError('USAGE', 'ingot validate: no recipe given', { hint: 'Name one or more recipe files: ingot validate recipes/debian-12.yaml' });
    }
    await requireReadable(files, ctx.cwd);
    const vars = parseVarFlags(listOption(args, 'var'));
    const checks: RecipeCheck[] = [];
    for (const file of files) {
      const check = await loadRecipe(file, ctx.cwd, { vars, env: ctx.env });
      reportCheck(ctx, 'validate', check);
      checks.push(check);
    }
    const bad = checks.filter((c) => !c.ok);
    if (bad.length > 0) {
      const errors = bad.reduce((n, c) => n + c.findings.length, 0);
      throw new IngotError('RECIPE_INVALID', `${bad.length} of ${checks.length} ${checks.length === 1 ? 'recipe is' : 'recipes are'} invalid (${errors} ${errors === 1 ? 'error' : 'errors'})`, {
        hint: 'Each error above names file:line:col and what to change; run ingot validate again after fixing them.',
        details: { invalid: bad.map((c) => c.file) },
      });
    }
    return EXIT.ok;
  },
};

/** Prints one recipe's findings (text) or its result event (--json). Shared with `ingot build`. */
export function reportCheck(ctx: CommandContext, command: string, check: RecipeCheck): void {
  ctx.out.emit({
    event: 'result',
    command,
    ok: check.ok,
    data: { file: check.file, valid: check.ok, ...(check.digest ? { digest: check.digest } : {}), findings: check.findings },
  });
  if (check.ok) ctx.out.text(`${check.file}: valid (${check.digest})`);
  else ctx.out.text([...check.findings.map(formatFinding), `${check.file}: ${check.findings.length} ${check.findings.length === 1 ? 'error' : 'errors'}`].join('\n'));
}

/** A missing or unreadable recipe file is a usage error (exit 2), reported before any checking. */
async function requireReadable(files: readonly string[], cwd: string): Promise<void> {
  const missing: string[] = [];
  for (const file of files) {
    // A failed stat (missing, no permission) and a directory are both "not a recipe file here".
    const info = await stat(resolve(cwd, file)).catch(() => undefined);
    if (info === undefined) missing.push(`${file} (no such file)`);
    else if (!info.isFile()) missing.push(`${file} (not a file)`);
  }
  if (missing.length > 0) {
    throw new IngotError('INPUT_UNREADABLE', `cannot read ${missing.length === 1 ? 'recipe' : 'recipes'} ${missing.join(', ')}`, {
      hint: 'Check the path; recipes are YAML files such as recipes/debian-12.yaml.',
      details: { files: missing },
    });
  }
}
