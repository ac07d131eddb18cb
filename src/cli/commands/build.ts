// `ingot build`: `--plan` prints the stages with their concrete values, touching nothing. The
// build itself is issue 5; the recipe is validated first so a user sees recipe errors before that.
import { notImplemented, EXIT, IngotError } from '../../errors/index.js';
import { loadConfig } from '../../config/index.js';
import { plan } from '../../pipeline/plan.js';
import { planText } from '../../pipeline/plan-text.js';
import { loadRecipe, parseVarFlags, requireValid } from '../../recipe/index.js';
import { flag, listOption } from '../args.js';
import type { Command } from '../command.js';
import { VAR_OPTION, reportCheck } from './validate.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'build a golden image from a recipe on a XAPI host (--plan prints the stages, touching nothing)',
  usage: 'ingot build RECIPE [--plan] [--push] [--keep] [--var NAME=VALUE]…',
  description: [
    'Builds a golden image from a recipe on a XAPI host. The recipe is validated first.',
    '--plan prints every stage with the values it will use and touches nothing (no network, no files).',
    'The build itself is not built yet (issue 5).',
  ].join('\n'),
  options: {
    plan: { type: 'boolean', description: 'print the stages and what each will do; touch nothing' },
    push: { type: 'boolean', description: 'also push the image to Rackspace (the recipe needs a push section)' },
    keep: { type: 'boolean', description: 'leave the build VM and its disks on the host for debugging' },
    var: VAR_OPTION,
  },
  async run(ctx, args) {
    const [file, ...extra] = args.positionals;
    if (file === undefined || extra.length > 0) {
      throw new IngotError('USAGE', file === undefined ? 'ingot build: no recipe given' : `ingot build takes one recipe, got ${args.positionals.length}`, {
        hint: 'Run: ingot build recipes/debian-12.yaml --plan',
      });
    }
    const check = await loadRecipe(file, ctx.cwd, { vars: parseVarFlags(listOption(args, 'var')), env: ctx.env });
    if (!check.ok) reportCheck(ctx, 'build', check);
    requireValid(check);
    if (flag(args, 'push') && check.recipe.push === undefined) {
      throw new IngotError('USAGE', `--push: recipe ${file} has no push section`, { hint: 'Add push.rackspace to the recipe, or drop --push.' });
    }
    if (!flag(args, 'plan')) throw notImplemented('build', 'issue 5');

    const config = await loadConfig({ env: ctx.env, cwd: ctx.cwd, file: ctx.global.config, redactor: ctx.redactor });
    const result = plan(check.recipe, check.variables, check.digest, config, { push: flag(args, 'push'), keep: flag(args, 'keep') });
    ctx.out.emit({ event: 'result', command: 'build', ok: true, data: { plan: result } });
    ctx.out.text(planText(result));
    return EXIT.ok;
  },
};
