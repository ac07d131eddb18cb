// The recipe language: load and check a recipe, resolve it, digest it.
export { checkRecipeText, loadRecipe, requireValid, type RecipeCheck, type RecipeCheckOptions, type ValidRecipe } from './load.js';
export { formatFinding, type Finding } from './findings.js';
export type { Recipe, ProvisionStep, RecipeSource, Checksum } from './normalize.js';
export { RecipeSchema, DEFAULTS, recipeJsonSchema } from './schema.js';
export { parseVarFlags, type ResolvedVariables } from './variables.js';
export { formatDuration, formatSize, parseDuration, parseSize } from './units.js';
