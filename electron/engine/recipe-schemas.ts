import { z } from 'zod';
import { curateRecipeSchema } from './curate/recipe.ts';
import { sftRecipeSchema } from './sft/recipe.ts';

/**
 * The recipe schemas as JSON Schema, by the file name they are published under beside the default recipes
 * (resources/recipes/): an editor with a YAML language server checks a recipe against them as it is typed.
 * `npm run schemas` writes them; a test fails when a published file differs from what the schemas give.
 */
export function recipeJsonSchemas(): Record<string, unknown> {
  const publish = (schema: z.ZodType, title: string, description: string) => ({
    ...z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }),
    title,
    description,
  });
  return {
    'curate-recipe.schema.json': publish(
      curateRecipeSchema,
      'MedPrep curation recipe',
      'Filters, deduplication ladder and split of a MedPrep curation run (see default.yaml for every key).',
    ),
    'sft-recipe.schema.json': publish(
      sftRecipeSchema,
      'MedPrep SFT recipe',
      'SFT task mix, templates and policies; keys left out take the values of sft-default.yaml.',
    ),
  };
}
