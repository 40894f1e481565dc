import { SFT_TASKS, type SftInvoke, type SftRecipeInfo, type SftTask } from '../../api/sft.ts';
import type { ModelRunner } from '../../../native-models/index.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import type { Project } from '../project/project.ts';
import { generateSamples } from './generate.ts';
import { parseRecipe, recipeToYaml, type SftRecipe } from './recipe.ts';
import { effectiveRecipe, latestRun, saveRecipeYaml, saveRun, storeLabelerLabels } from './store.ts';

function info(yaml: string, recipe: SftRecipe, source: 'default' | 'project'): SftRecipeInfo {
  return {
    yaml,
    source,
    tasks: SFT_TASKS.map((task) => ({ task, ...recipe.tasks[task] })),
    templates: recipe.templates,
  };
}

/** A model runner only when the recipe asks for a model (the model layer loads only then); the caller closes it. */
async function runnerFor(recipe: SftRecipe): Promise<ModelRunner | null> {
  if (!recipe.model) return null;
  const { ModelRunner } = await import('../../../native-models/index.ts');
  return new ModelRunner();
}

export async function runSft(
  project: Project,
  recipe: SftRecipe,
  jobId: string | null,
  signal?: AbortSignal,
) {
  const runner = await runnerFor(recipe);
  try {
    const g = await generateSamples(project.db, project.secret(), recipe, {
      runner,
      ...(signal ? { signal } : {}),
    });
    storeLabelerLabels(project.db, g.labelerLabels);
    const runId = saveRun(project.db, jobId, recipe, g);
    return { runId, ...g };
  } finally {
    runner?.close();
  }
}

/**
 * A generation that stores nothing and never starts a model (previews show what the templates and labels
 * give), with the call's task filter and limit.
 */
/** Generation without a model and without storing: what the templates and labels give (previews, drops). */
async function dryRun(
  project: Project,
  a: { yaml?: string | undefined; task?: SftTask | undefined; limit?: number | undefined },
  defaultLimit: number,
) {
  const { recipe } = effectiveRecipe(project.db, a.yaml);
  const g = await generateSamples(project.db, project.secret(), { ...recipe, model: null });
  return { g, task: a.task, limit: a.limit ?? defaultLimit };
}

export function sftHandlers(ctx: EngineContext): HandlersFor<SftInvoke> {
  return {
    'sft.recipe': () => {
      const e = effectiveRecipe(ctx.requireProject().db);
      return info(e.yaml, e.recipe, e.source);
    },
    'sft.saveRecipe': (a) => {
      const db = ctx.requireProject().db;
      const yaml = a.yaml;
      if (yaml !== undefined) {
        if (yaml.trim() === '') saveRecipeYaml(db, null);
        else {
          parseRecipe(yaml);
          saveRecipeYaml(db, yaml);
        }
      }
      if (a.tasks !== undefined || a.templates !== undefined) {
        const current = effectiveRecipe(db).recipe;
        const next: SftRecipe = {
          ...current,
          tasks: { ...current.tasks },
          templates: { ...current.templates },
        };
        for (const t of a.tasks ?? []) next.tasks[t.task] = { enabled: t.enabled, weight: t.weight };
        Object.assign(next.templates, a.templates);
        const text = recipeToYaml(next);
        parseRecipe(text); // validates weights and pool sizes with the recipe's own messages
        saveRecipeYaml(db, text);
      }
      const e = effectiveRecipe(db);
      return info(e.yaml, e.recipe, e.source);
    },
    'sft.preview': async (a) => {
      const { g, task, limit } = await dryRun(ctx.requireProject(), a, 20);
      const samples = g.samples.filter((s) => task === undefined || s.task === task).slice(0, limit);
      return {
        counts: g.counts,
        samples: samples.map((s) => ({
          key: s.key,
          task: s.task,
          templateId: s.templateId,
          generator: s.generator,
          split: s.split,
          instruction: s.instruction,
          response: s.response,
          images: s.imageIds.length,
        })),
      };
    },
    'sft.run': (a) => {
      const project = ctx.requireProject();
      const { recipe } = effectiveRecipe(project.db, a.yaml);
      return ctx.startJob('sft', { recipe: 'resolved' }, async (job) => {
        job.progress({ total: 1, totalKnown: true, message: 'Generating samples' });
        const r = await runSft(project, recipe, job.id, job.signal);
        const total = r.samples.length;
        job.progress({ done: 1 });
        return { message: `${total} samples in ${Object.keys(r.counts.byTask).length} tasks` };
      });
    },
    'sft.dropped': async (a) => {
      // Regenerated like a preview: the same rows and recipe drop the same candidates.
      const { g, task, limit } = await dryRun(ctx.requireProject(), a, 100);
      const reason = a.reason;
      const offset = a.offset ?? 0;
      const mine = g.droppedSamples.filter(
        (d) =>
          (task === undefined || d.task === task) &&
          (reason === undefined || `${d.task}:${d.reason}` === reason),
      );
      return { total: mine.length, samples: mine.slice(offset, offset + limit) };
    },
    'sft.summary': () => {
      const run = latestRun(ctx.requireProject().db);
      if (!run) return null;
      return { runId: run.runId, counts: run.counts, model: run.model, createdAt: run.createdAt };
    },
  };
}
