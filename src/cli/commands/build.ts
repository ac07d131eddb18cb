// `ingot build`: validates every recipe, then either prints the plans (`--plan`, touching nothing)
// or runs the builds (src/pipeline/build) on the configured XAPI host, up to --parallel at a time.
import { join } from 'node:path';
import { EXIT, IngotError, isIngotError } from '../../errors/index.js';
import { loadConfig } from '../../config/index.js';
import { requirePushCredentials } from '../../pipeline/build/push-stage.js';
import { plan } from '../../pipeline/plan.js';
import { planText } from '../../pipeline/plan-text.js';
import { loadRecipe, parseVarFlags, requireValid, type RecipeCheck, type ValidRecipe } from '../../recipe/index.js';
import { flag, listOption, stringOption } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { runBuilds } from '../build-run.js';
import { VAR_OPTION, reportCheck } from './validate.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'build golden images from recipes on a XAPI host (--plan prints the stages, touching nothing)',
  usage: 'ingot build RECIPE… [--parallel N] [--plan] [--rehearse] [--push] [--keep] [--var NAME=VALUE]…',
  description: [
    'Builds a golden image from each recipe on a XAPI host. Every recipe is validated first, and all their errors are',
    'reported together before anything starts. --plan prints every stage with the values it will use and touches nothing.',
    'Without --plan it runs the builds on the configured XAPI host (INGOT_XAPI_URL, docs/configuration.md) and writes each',
    'VHD and its manifest to the recipe\'s output directory. Everything a build creates on the host is removed at the end,',
    'also on failure or Ctrl-C, unless --keep. With several recipes, --parallel N runs up to N builds side by side; one',
    'failing does not stop the others, a summary names each result, and the status is 0 only when all succeeded',
    '(docs/cli.md). --push, --keep and --var apply to every recipe.',
  ].join('\n'),
  options: {
    parallel: { type: 'string', value: 'N', description: 'with several recipes, how many builds run at once (default 1)' },
    plan: { type: 'boolean', description: 'print the stages and what each will do; touch nothing' },
    push: { type: 'boolean', description: 'also push each image to Rackspace (every recipe needs a push section)' },
    rehearse: { type: 'boolean', description: 'after the check, boot the VHD as Rackspace would and check its first boot (docs/rehearse.md)' },
    keep: { type: 'boolean', description: 'leave the build VMs and their disks on the host for debugging' },
    var: VAR_OPTION,
  },
  async run(ctx, args) {
    const files = args.positionals;
    if (files.length === 0) {
      throw new IngotError('USAGE', 'ingot build: no recipe given', { hint: 'Run: ingot build recipes/debian-12.yaml --plan' });
    }
    const parallel = parseParallel(stringOption(args, 'parallel'));
    const options = { push: flag(args, 'push'), keep: flag(args, 'keep'), rehearse: flag(args, 'rehearse') };
    const recipes = await loadAll(ctx, files, parseVarFlags(listOption(args, 'var')));
    if (options.push) requirePushSections(recipes);
    if (options.rehearse) requireSshUsers(recipes);
    requireDistinctOutputs(recipes);
    const config = await loadConfig({ env: ctx.env, cwd: ctx.cwd, file: ctx.global.config, redactor: ctx.redactor });
    if (flag(args, 'plan')) {
      const texts: string[] = [];
      for (const check of recipes) {
        const result = plan(check.recipe, check.variables, check.digest, config, options);
        ctx.out.emit({ event: 'result', command: 'build', ok: true, data: { plan: result } });
        texts.push(planText(result));
      }
      ctx.out.text(texts.join('\n\n'));
      return EXIT.ok;
    }
    if (options.push) requirePushCredentials(config.rackspace);
    return runBuilds(ctx, recipes, { config, parallel, ...options });
  },
};

/** `--parallel N`: a whole number ≥ 1; absent means one build at a time. */
export function parseParallel(value: string | undefined): number {
  if (value === undefined) return 1;
  if (!/^[1-9][0-9]*$/.test(value.trim())) {
    throw new IngotError('USAGE', `--parallel expects a whole number of builds, 1 or more; got '${value}'`, {
      hint: 'For example --parallel 2 runs two builds side by side; leave it out to build one recipe after the other.',
    });
  }
  return Number(value.trim());
}

// Every recipe is read and checked before anything starts; all their errors come out together.
async function loadAll(ctx: CommandContext, files: readonly string[], vars: ReturnType<typeof parseVarFlags>): Promise<ValidRecipe[]> {
  const checks: RecipeCheck[] = [];
  const unreadable: IngotError[] = [];
  for (const file of files) {
    try {
      const check = await loadRecipe(file, ctx.cwd, { vars, env: ctx.env });
      if (!check.ok) reportCheck(ctx, 'build', check);
      checks.push(check);
    } catch (error) {
      if (!isIngotError(error) || error.code !== 'INPUT_UNREADABLE' || files.length === 1) throw error;
      unreadable.push(error);
    }
  }
  if (unreadable.length > 0) {
    throw new IngotError('INPUT_UNREADABLE', unreadable.map((e) => e.message).join('; '), {
      hint: 'Give the paths of recipe YAML files, e.g. recipes/debian-12.yaml; nothing was built.',
      details: { files: unreadable.map((e) => e.message) },
    });
  }
  if (checks.length === 1) {
    const only = checks[0]!;
    requireValid(only);
    return [only];
  }
  const bad = checks.filter((c) => !c.ok);
  if (bad.length > 0) {
    const errors = bad.reduce((n, c) => n + c.findings.length, 0);
    throw new IngotError('RECIPE_INVALID', `${bad.length} of ${checks.length} recipes are invalid (${errors} ${errors === 1 ? 'error' : 'errors'}): ${bad.map((c) => c.file).join(', ')}`, {
      hint: 'Each error above names file:line:col; nothing was built. `ingot validate` checks recipes without building.',
      details: { invalid: bad.map((c) => c.file) },
    });
  }
  return checks.map((check) => {
    requireValid(check);
    return check;
  });
}

function requirePushSections(recipes: readonly ValidRecipe[]): void {
  const without = recipes.filter((c) => c.recipe.push === undefined).map((c) => c.file);
  if (without.length > 0) {
    throw new IngotError('USAGE', `--push: ${without.length === 1 ? 'recipe' : 'recipes'} ${without.join(', ')} ${without.length === 1 ? 'has' : 'have'} no push section`, {
      hint: 'Add push.rackspace to the recipe, or drop --push.',
    });
  }
}

// The rehearsal logs in as readiness.ssh_user; without one it could only fail after the whole build.
function requireSshUsers(recipes: readonly ValidRecipe[]): void {
  const without = recipes.filter((c) => c.recipe.readiness.sshUser === undefined).map((c) => c.file);
  if (without.length > 0) {
    throw new IngotError('USAGE', `--rehearse: ${without.length === 1 ? 'recipe' : 'recipes'} ${without.join(', ')} ${without.length === 1 ? 'names' : 'name'} no readiness.ssh_user to log in as`, {
      hint: 'Set readiness.ssh_user (the image\'s default cloud-init user, e.g. debian) and readiness.target: rackspace, or drop --rehearse.',
    });
  }
}

// Two builds writing the same VHD (and so the same manifest) would overwrite each other's output.
function requireDistinctOutputs(recipes: readonly ValidRecipe[]): void {
  const byPath = new Map<string, string[]>();
  for (const check of recipes) {
    const path = outputPath(check);
    byPath.set(path, [...(byPath.get(path) ?? []), check.file]);
  }
  const clashes = [...byPath].filter(([, files]) => files.length > 1);
  if (clashes.length > 0) {
    throw new IngotError('BUILD_OUTPUT_CLASH', `several recipes write the same output: ${clashes.map(([path, files]) => `${path} (${files.join(', ')})`).join('; ')}`, {
      hint: 'Give each recipe its own output.directory or output.file_name (or a variable in it), or build them one at a time; nothing was built.',
      details: { clashes: Object.fromEntries(clashes) },
    });
  }
}

function outputPath(check: ValidRecipe): string {
  return join(check.recipe.output.directory, check.recipe.output.fileName);
}
