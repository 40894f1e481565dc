/**
 * The project's curation recipe (settings key `curate.recipe`): what `curate.run` uses when it is given none.
 * Changing one threshold edits the YAML document in place, so the default recipe's comments survive.
 */
import YAML from 'yaml';
import type { CurateRecipeInfo, Threshold } from '../../api/curate.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../project/database.ts';
import { defaultRecipeText, parseRecipe } from './recipe.ts';

const RECIPE_KEY = 'curate.recipe';

function saved(db: Db): string | null {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(RECIPE_KEY) as
    { value: string } | undefined;
  return row ? (JSON.parse(row.value) as string) : null;
}

export function curateRecipe(db: Db): CurateRecipeInfo {
  const yaml = saved(db);
  return yaml === null ? { yaml: defaultRecipeText(), source: 'default' } : { yaml, source: 'project' };
}

/** Saves a whole recipe ('' resets to the shipped default); a recipe that does not parse is refused, unsaved. */
export function saveCurateRecipe(db: Db, yaml: string): CurateRecipeInfo {
  if (yaml.trim() === '') db.prepare('DELETE FROM settings WHERE key = ?').run(RECIPE_KEY);
  else {
    parseRecipe(yaml);
    db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(RECIPE_KEY, JSON.stringify(yaml));
  }
  return curateRecipe(db);
}

/** Sets one filter's threshold (`min`, `max` or `keep`, whichever the operator has) in the project's recipe. */
export function setCurateThreshold(db: Db, operator: string, threshold: Threshold): CurateRecipeInfo {
  const doc = YAML.parseDocument(curateRecipe(db).yaml);
  const params = doc.getIn(['filters', operator]);
  if (!YAML.isMap(params))
    throw new ApiError('bad-request', `The recipe has no filter "${operator}" to set a threshold on.`);
  const key = ['min', 'max', 'keep'].find((k) => params.has(k));
  if (!key) throw new ApiError('bad-request', `The filter "${operator}" has no threshold in the recipe.`);
  if (Array.isArray(threshold) !== (key === 'keep'))
    throw new ApiError(
      'bad-request',
      `The filter "${operator}" takes ${key === 'keep' ? 'a list of labels' : 'a number'}.`,
    );
  params.set(key, Array.isArray(threshold) ? doc.createNode(threshold, { flow: true }) : threshold);
  return saveCurateRecipe(db, doc.toString({ lineWidth: 0 }));
}
