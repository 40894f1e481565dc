/**
 * Curation: radiology-aware filters, the dedup ladder, patient splits and leakage checks, with every
 * decision kept as a row. Public surface of the stage.
 *
 * keptSamples(db) — the contract the export stage relies on:
 * - Returns the images kept by the latest curation run that decided (analyse-only runs never change it),
 *   as `{ imageId, split }`, ordered by image id; an empty list before any such run.
 * - A kept image passed every filter of that run's recipe, is the representative of (or outside) every
 *   duplicate cluster that removes, and is not a cross-split copy (leakage).
 * - Images quarantined for burned-in text are excluded unless released, checked at call time (a quarantine
 *   decided after the run still applies).
 * - Images a person excluded (browse.exclude, table `exclusions`) are removed by the next run (operator
 *   user.exclude) and left out at call time, so an exclusion made after the run applies at once.
 * - `split` is the patient's split ('train' | 'validate' | 'test'): all images of a patient, and all kept
 *   members of an image duplicate cluster, share one split.
 * - Images imported after the run are not included until curation runs again.
 * - A representative changed in review (curate.setRepresentative) is reflected at once.
 */
export { keptSamples, latestRun as latestCurationRun, leakageCheck, type KeptSample } from './queries.ts';
export { runCuration, type CurateRunOptions } from './run.ts';
export { defaultRecipeText, parseRecipe, type Recipe } from './recipe.ts';
export { curateHandlers } from './handlers.ts';
