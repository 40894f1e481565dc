// Writes the recipe JSON Schemas beside the default recipes (resources/recipes/*.schema.json), formatted as
// the repository formats JSON. `npm run schemas` after changing a recipe schema; a test checks they match.
import fs from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { recipeJsonSchemas } from '../electron/engine/recipe-schemas.ts';

const dir = path.resolve(import.meta.dirname, '..', 'resources', 'recipes');
for (const [name, schema] of Object.entries(recipeJsonSchemas())) {
  const file = path.join(dir, name);
  const options = await prettier.resolveConfig(file);
  const text = await prettier.format(JSON.stringify(schema), { ...options, filepath: file });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
