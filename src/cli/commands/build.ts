// `ingot build`: validates the recipe, then either prints the plan (`--plan`, touching nothing)
// or runs the pipeline (src/pipeline/build) on the configured XAPI host.
import { EXIT, IngotError } from '../../errors/index.js';
import { loadConfig } from '../../config/index.js';
import { tmpdir } from 'node:os';
import { runBuild } from '../../pipeline/build/index.js';
import { requirePushCredentials } from '../../pipeline/build/push-stage.js';
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
    'Without --plan it runs the build on the configured XAPI host (INGOT_XAPI_URL, docs/configuration.md) and writes the',
    'VHD and its manifest to the recipe\'s output directory. Everything it creates on the host is removed at the end,',
    'also on failure or Ctrl-C, unless --keep.',
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
    const config = await loadConfig({ env: ctx.env, cwd: ctx.cwd, file: ctx.global.config, redactor: ctx.redactor });
    const options = { push: flag(args, 'push'), keep: flag(args, 'keep') };
    if (flag(args, 'plan')) {
      const result = plan(check.recipe, check.variables, check.digest, config, options);
      ctx.out.emit({ event: 'result', command: 'build', ok: true, data: { plan: result } });
      ctx.out.text(planText(result));
      return EXIT.ok;
    }
    if (options.push) requirePushCredentials(config.rackspace);
    const result = await runBuild({
      recipe: check.recipe, digest: check.digest, variables: check.variables, config, redactor: ctx.redactor, report: ctx.out.report,
      env: ctx.env, workDir: ctx.env.TMPDIR ?? tmpdir(), keep: options.keep, push: options.push, signal: ctx.signal,
    });
    ctx.out.emit({ event: 'result', command: 'build', ok: true, data: result });
    ctx.out.text([`built ${result.vhd} (${result.size} bytes, sha256 ${result.sha256})`, `manifest ${result.manifest}`, ...(result.leftOnHost.length ? [`left on the host (--keep): ${result.leftOnHost.join('; ')}`] : [])].join('\n'));
    return EXIT.ok;
  },
};
