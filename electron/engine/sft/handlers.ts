import { SFT_TASKS, type SftInvoke, type SftRecipeInfo, type SftTask } from '../../api/sft.ts';
import type { ModelRunner } from '../../../native-models/index.ts';
import { optStr, record } from '../args.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import { ApiError } from '../errors.ts';
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

function taskArg(v: unknown): SftTask | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !(SFT_TASKS as readonly string[]).includes(v))
    throw new ApiError('bad-request', `"task" must be one of ${SFT_TASKS.join(', ')}.`);
  return v as SftTask;
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
async function dryRun(project: Project, a: unknown, defaultLimit: number, maxLimit: number) {
  const { recipe } = effectiveRecipe(project.db, optStr(a, 'yaml'));
  const task = taskArg(record(a).task);
  const limitArg = record(a).limit;
  const limit =
    typeof limitArg === 'number' && limitArg > 0 ? Math.min(maxLimit, Math.floor(limitArg)) : defaultLimit;
  const g = await generateSamples(project.db, project.secret(), { ...recipe, model: null });
  return { g, task, limit };
}

export function sftHandlers(ctx: EngineContext): HandlersFor<SftInvoke> {
  return {
    'sft.recipe': () => {
      const e = effectiveRecipe(ctx.requireProject().db);
      return info(e.yaml, e.recipe, e.source);
    },
    'sft.saveRecipe': (a) => {
      const db = ctx.requireProject().db;
      const args = record(a);
      const yaml = optStr(a, 'yaml');
      if (yaml !== undefined) {
        if (yaml.trim() === '') saveRecipeYaml(db, null);
        else {
          parseRecipe(yaml);
          saveRecipeYaml(db, yaml);
        }
      }
      if (args.tasks !== undefined || args.templates !== undefined) {
        const current = effectiveRecipe(db).recipe;
        const next: SftRecipe = {
          ...current,
          tasks: { ...current.tasks },
          templates: { ...current.templates },
        };
        if (args.tasks !== undefined) {
          if (!Array.isArray(args.tasks)) throw new ApiError('bad-request', '"tasks" must be a list.');
          for (const t of args.tasks as { task: unknown; enabled: unknown; weight: unknown }[]) {
            const task = taskArg(t.task)!;
            next.tasks[task] = { enabled: t.enabled === true, weight: Number(t.weight) };
          }
        }
        if (args.templates !== undefined) {
          for (const [task, pool] of Object.entries(record(args.templates))) {
            next.templates[taskArg(task)!] = pool as string[];
          }
        }
        const text = recipeToYaml(next);
        parseRecipe(text); // validates weights and pool sizes with the recipe's own messages
        saveRecipeYaml(db, text);
      }
      const e = effectiveRecipe(db);
      return info(e.yaml, e.recipe, e.source);
    },
    'sft.preview': async (a) => {
      const { g, task, limit } = await dryRun(ctx.requireProject(), a, 20, 200);
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
      const { recipe } = effectiveRecipe(project.db, optStr(a, 'yaml'));
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
      const { g, task, limit } = await dryRun(ctx.requireProject(), a, 100, 500);
      const reason = optStr(a, 'reason');
      const offsetArg = record(a).offset;
      const offset = typeof offsetArg === 'number' && offsetArg > 0 ? Math.floor(offsetArg) : 0;
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
