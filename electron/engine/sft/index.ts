/** Public surface of SFT generation: recipes, the generator, the canonical sample store and handlers. */
export {
  parseRecipe,
  recipeToYaml,
  defaultRecipeYaml,
  defaultRecipePath,
  MIN_TEMPLATES,
  type SftRecipe,
  type ModelSettings,
} from './recipe.ts';
export { generateSamples, sampleKey, type SftSample, type Generated } from './generate.ts';
export {
  eligibleImages,
  deidentifiedReport,
  headerIdentifiers,
  mergeIdentifiers,
  loadStudies,
} from './source.ts';
export { cleanText, sentences, hasPlaceholder, longestSharedRun } from './text.ts';
export { rewritePrior } from './prior.ts';
export { gate, GATE_CHECKS } from './faithfulness.ts';
export { LABELER_SOURCE } from './labels.ts';
export { labelFill } from './display.ts';
export { contradicts } from './model-gen.ts';
export { effectiveRecipe, latestRun, readSamples, saveRun } from './store.ts';
export { sftHandlers, runSft } from './handlers.ts';
