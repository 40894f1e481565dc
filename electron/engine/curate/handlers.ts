import type { CurateInvoke } from '../../api/curate.ts';
import { CLUSTER_METHODS, type ClusterMethod, type Threshold } from '../../api/curate.ts';
import { int, optStr, record, str } from '../args.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import { ApiError } from '../errors.ts';
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

function method(v: unknown): ClusterMethod {
  if (typeof v !== 'string' || !(CLUSTER_METHODS as readonly string[]).includes(v))
    throw new ApiError('bad-request', `"method" must be one of ${CLUSTER_METHODS.join(', ')}.`);
  return v as ClusterMethod;
}

function threshold(v: unknown): Threshold {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new ApiError('bad-request', '"threshold" must be a number or a list of labels.');
}

export function curateHandlers(ctx: EngineContext): HandlersFor<CurateInvoke> {
  const db = () => ctx.requireProject().db;
  return {
    'curate.run': (a) => {
      const project = ctx.requireProject();
      const recipeText = optStr(a, 'recipe') ?? curateRecipe(project.db).yaml;
      parseRecipe(recipeText); // a bad recipe is refused before a job starts
      const analyse = record(a).analyse === true;
      return ctx.startJob('curate', { analyse }, async (job) => {
        const s = await runCuration(project, { recipeText, analyse, job });
        return {
          message: analyse
            ? `analysed ${s.samples} samples (${s.statsComputed} statistics computed); nothing removed`
            : `kept ${s.kept} of ${s.samples} samples; ${s.review} wait for duplicate review`,
        };
      });
    },
    'curate.summary': (a) => summaryOfJob(db(), str(a, 'jobId')),
    'curate.defaultRecipe': () => ({ text: defaultRecipeText() }),
    'curate.recipe': () => curateRecipe(db()),
    'curate.saveRecipe': (a) => {
      const t = record(a).threshold;
      if (t !== undefined) {
        const r = record(t);
        return setCurateThreshold(db(), str(r, 'operator'), threshold(r.value));
      }
      const yaml = record(a).yaml;
      if (typeof yaml !== 'string') throw new ApiError('bad-request', '"yaml" or "threshold" is required.');
      return saveCurateRecipe(db(), yaml);
    },
    'curate.operators': () => operatorsInfo(db()),
    'curate.histogram': (a) => histogram(db(), str(a, 'operator'), int(a, 'bins', 1)),
    'curate.preview': (a) => preview(db(), str(a, 'operator'), threshold(record(a).threshold)),
    'curate.clusters': (a) =>
      listClusters(db(), method(record(a).method), int(a, 'offset'), int(a, 'limit', 1)),
    'curate.setRepresentative': (a) => setRepresentative(db(), int(a, 'clusterId', 1), int(a, 'imageId', 1)),
    'curate.trace': (a) => trace(db(), int(a, 'imageId', 1)),
    'curate.funnel': () => funnel(db()),
    'curate.leakage': () => leakageCheck(db()),
  };
}
