// Writes recipes/schema.json from the recipe schema in code (src/recipe/schema.ts, built to dist/).
// Run with `npm run schema`; test/unit/recipe/schema-sync.test.ts fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { recipeJsonSchema } from '../dist/recipe/schema.js';

const target = fileURLToPath(new URL('../recipes/schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(recipeJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
