// Loads a recipe: YAML with positions → variables → interpolation → schema → semantic rules →
// the resolved Recipe and its digest. Every finding is collected; nothing stops at the first.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { IngotError } from '../errors/index.js';
import { recipeDigest } from './digest.js';
import { RecipeDocument } from './document.js';
import { byPosition, type Finding } from './findings.js';
import { issueToFindings } from './issues.js';
import { normalize, type Recipe } from './normalize.js';
import { RecipeSchema } from './schema.js';
import { semanticFindings } from './semantic.js';
import { closest } from './suggest.js';
import { resolveVariables, varsFromEnv, type ResolvedVariables } from './variables.js';

export interface RecipeCheckOptions {
  /** From `--var k=v`, already parsed (variables.ts parseVarFlags). */
  vars?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

export interface RecipeCheck {
  /** The file as the user named it; findings use this name. */
  file: string;
  ok: boolean;
  findings: Finding[];
  variables: ResolvedVariables;
  /** Present when ok. */
  recipe?: Recipe;
  digest?: string;
}

export interface ValidRecipe extends RecipeCheck {
  ok: true;
  recipe: Recipe;
  digest: string;
}

/** Checks recipe text; `dir` is where relative paths resolve (the recipe's directory). */
export function checkRecipeText(text: string, file: string, dir: string, options: RecipeCheckOptions = {}): RecipeCheck {
  const doc = new RecipeDocument(file, text);
  const empty: ResolvedVariables = { values: {}, sources: {} };
  const syntax = doc.syntaxFindings();
  if (syntax.length > 0) return { file, ok: false, findings: syntax.sort(byPosition), variables: empty };

  const flags = options.vars ?? {};
  const declared = doc.declaredVariables();
  const variables = resolveVariables(declared, varsFromEnv(options.env ?? {}), flags);
  const { data, findings } = doc.toData(variables.values);
  if (data === null || data === undefined) {
    findings.push({ file, line: 1, col: 1, path: '', message: 'the recipe is empty', expected: 'a mapping with name, source, …', found: 'nothing', hint: 'Start from recipes/debian-12.yaml.' });
    return { file, ok: false, findings, variables };
  }
  // A value whose ${…} failed is already reported; its leftover text would only add noise.
  const broken = new Set(findings.map((f) => f.path));
  for (const name of Object.keys(flags)) {
    if (Object.hasOwn(declared, name)) continue;
    const near = closest(name, Object.keys(declared));
    findings.push({
      file, ...doc.locate(['variables'], doc.has(['variables']) ? 'key' : 'missing'), path: 'variables',
      message: `--var ${name} sets a variable this recipe does not declare`,
      expected: Object.keys(declared).length ? `one of ${Object.keys(declared).join(', ')}` : 'a name declared under variables:',
      found: name,
      hint: near ? `Did you mean --var ${near}=…?` : `Declare ${name} under variables: with a default, or drop the flag.`,
    });
  }

  const parsed = RecipeSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) findings.push(...issueToFindings(issue, doc, data, RecipeSchema).filter((f) => !broken.has(f.path)));
  }
  findings.push(...semanticFindings(doc, data, dir));
  const unique = dedupe(findings).sort(byPosition);
  if (unique.length > 0 || !parsed.success) return { file, ok: false, findings: unique, variables };
  return { file, ok: true, findings: [], variables, recipe: normalize(parsed.data, file, dir), digest: recipeDigest(parsed.data, variables.values) };
}

/** Reads and checks a recipe file; an unreadable file is a usage error (exit 2), not a finding. */
export async function loadRecipe(file: string, cwd: string, options: RecipeCheckOptions = {}): Promise<RecipeCheck> {
  const full = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new IngotError('INPUT_UNREADABLE', `cannot read recipe ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`, {
      hint: 'Give the path of a recipe YAML file, e.g. recipes/debian-12.yaml.',
      cause: error,
    });
  }
  return checkRecipeText(text, file, dirname(full), options);
}

/** Throws RECIPE_INVALID unless the check passed; callers print the findings first. */
export function requireValid(check: RecipeCheck): asserts check is ValidRecipe {
  if (!check.ok || !check.recipe || !check.digest) {
    const n = check.findings.length;
    throw new IngotError('RECIPE_INVALID', `recipe ${check.file} is invalid: ${n} ${n === 1 ? 'error' : 'errors'}`, {
      hint: 'Fix the errors listed above (each names file:line:col); `ingot validate` checks without building.',
      details: { file: check.file, findings: check.findings },
    });
  }
}

// The same node can be reached by a schema rule and a semantic rule; say it once.
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.line}:${f.col}:${f.path}:${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
