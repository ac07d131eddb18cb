// Variable values from outside the recipe. Precedence, highest first: --var k=v, INGOT_VAR_k,
// the recipe's own default (docs/recipes.md, "Variables").
import { IngotError } from '../errors/index.js';

export const ENV_PREFIX = 'INGOT_VAR_';

/** `--var k=v` flags → map; a malformed flag is a usage error. The last of a repeated name wins. */
export function parseVarFlags(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const name = eq === -1 ? flag : flag.slice(0, eq);
    if (eq === -1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new IngotError('USAGE', `--var ${flag}: expected NAME=VALUE with NAME made of letters, digits and _`, {
        hint: 'Write --var memory=4GiB; quote the whole flag if the value has spaces.',
      });
    }
    out[name] = flag.slice(eq + 1);
  }
  return out;
}

/** `INGOT_VAR_k=v` from the environment → map (names are case-sensitive, as declared). */
export function varsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(ENV_PREFIX) && key.length > ENV_PREFIX.length && value !== undefined) out[key.slice(ENV_PREFIX.length)] = value;
  }
  return out;
}

export type VariableSource = 'flag' | 'env' | 'recipe';

export interface ResolvedVariables {
  values: Record<string, string>;
  sources: Record<string, VariableSource>;
}

/** Merges by precedence. Only names the recipe declares are taken from the environment. */
export function resolveVariables(declared: Record<string, string>, fromEnv: Record<string, string>, fromFlags: Record<string, string>): ResolvedVariables {
  const values: Record<string, string> = {};
  const sources: Record<string, VariableSource> = {};
  for (const [name, value] of Object.entries(declared)) {
    values[name] = value;
    sources[name] = 'recipe';
  }
  for (const [name, value] of Object.entries(fromEnv)) {
    if (Object.hasOwn(declared, name)) {
      values[name] = value;
      sources[name] = 'env';
    }
  }
  for (const [name, value] of Object.entries(fromFlags)) {
    values[name] = value;
    sources[name] = 'flag';
  }
  return { values, sources };
}
