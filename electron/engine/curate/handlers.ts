import type { CurateInvoke } from '../../api/curate.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import { defaultRecipeText, parseRecipe } from './recipe.ts';
import {
  funnel,
  histogram,
  leakageCheck,
  listClusters,
  operatorsInfo,
  preview,
  setRepresentative,
  summaryOfJob,
  trace,
} from './queries.ts';
import { runCuration } from './run.ts';
import { curateRecipe, saveCurateRecipe, setCurateThreshold } from './saved-recipe.ts';

export function curateHandlers(ctx: EngineContext): HandlersFor<CurateInvoke> {
  const db = () => ctx.requireProject().db;
  return {
    'curate.run': (a) => {
      const project = ctx.requireProject();
      const recipeText = a.recipe ?? curateRecipe(project.db).yaml;
      parseRecipe(recipeText); // a bad recipe is refused before a job starts
      const analyse = a.analyse === true;
      return ctx.startJob('curate', { analyse }, async (job) => {
        const s = await runCuration(project, { recipeText, analyse, job });
        return {
          message: analyse
            ? `analysed ${s.samples} samples (${s.statsComputed} statistics computed); nothing removed`
            : `kept ${s.kept} of ${s.samples} samples; ${s.review} wait for duplicate review`,
        };
      });
    },
    'curate.summary': (a) => summaryOfJob(db(), a.jobId),
    'curate.defaultRecipe': () => ({ text: defaultRecipeText() }),
    'curate.recipe': () => curateRecipe(db()),
    'curate.saveRecipe': (a) => {
      if (a.threshold !== undefined) return setCurateThreshold(db(), a.threshold.operator, a.threshold.value);
      return saveCurateRecipe(db(), a.yaml!);
    },
    'curate.operators': () => operatorsInfo(db()),
    'curate.histogram': (a) => histogram(db(), a.operator, a.bins),
    'curate.preview': (a) => preview(db(), a.operator, a.threshold),
    'curate.clusters': (a) => listClusters(db(), a.method, a.offset, a.limit),
    'curate.setRepresentative': (a) => setRepresentative(db(), a.clusterId, a.imageId),
    'curate.trace': (a) => trace(db(), a.imageId),
    'curate.funnel': () => funnel(db()),
    'curate.leakage': () => leakageCheck(db()),
  };
}
