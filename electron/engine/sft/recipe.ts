/**
 * SFT recipes: a YAML file (resources/recipes/sft-default.yaml documents every key) resolved into one
 * validated object. Keys the file leaves out take the default recipe's values, so a custom recipe can be a few
 * lines; the resolved recipe (templates included) is what a run records and a bundle's manifest carries.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { SFT_TASKS, type SftSplit, type SftTask } from '../../api/sft.ts';
import { resourceFile } from '../app-root.ts';
import { ApiError } from '../errors.ts';
import { intIn, numberIn, parseOrThrow, strict } from '../validation.ts';

export type UncertainPolicy = 'skip' | 'positive' | 'negative';
export type RedactionPolicy = 'drop-sentence' | 'drop-sample' | 'mask';
export type ModelTaskName = 'rewrite_instruction' | 'open_qa';

export interface ModelSettings {
  id: string;
  tasks: ModelTaskName[];
  maxItems: number;
  maxNewTokens: number;
  maxOverlap: number;
  /** Longest text handed to the model, in characters (small models have short contexts). */
  maxInputChars: number;
}

export interface SftRecipe {
  version: 1;
  seed: string;
  splits: Record<SftSplit, number>;
  labeler: 'chexpert' | 'negbio';
  uncertain: UncertainPolicy;
  redactions: RedactionPolicy;
  noFindingCap: number;
  closedVqaPerStudy: number;
  classificationOptions: number;
  model: ModelSettings | null;
  tasks: Record<SftTask, { enabled: boolean; weight: number }>;
  templates: Record<SftTask, string[]>;
}

export const MIN_TEMPLATES = 8;

export function defaultRecipePath(): string {
  return resourceFile('recipes', 'sft-default.yaml');
}

export function defaultRecipeYaml(): string {
  return fs.readFileSync(defaultRecipePath(), 'utf8');
}

const bad = (message: string) => new ApiError('bad-request', `Recipe: ${message}`);

const MODEL_TASKS = ['rewrite_instruction', 'open_qa'] as const;
const perTask = <T extends z.ZodType>(value: T) =>
  strict(
    Object.fromEntries(SFT_TASKS.map((t) => [t, value.optional()])) as Record<SftTask, z.ZodOptional<T>>,
  );

/**
 * The SFT recipe file's schema (snake_case, as written in YAML). Every key is optional: what a file leaves out
 * comes from the default recipe. Published as JSON Schema in resources/recipes/sft-recipe.schema.json.
 */
export const sftRecipeSchema = strict({
  version: z.literal(1).optional(),
  seed: z.union([z.string(), z.number()], 'must be a number or a string').optional(),
  splits: strict({
    train: numberIn(0, 1).default(0),
    validate: numberIn(0, 1).default(0),
    test: numberIn(0, 1).default(0),
  })
    .refine((r) => Math.abs(r.train + r.validate + r.test - 1) <= 1e-6, {
      message: 'splits must add up to 1',
    })
    .optional(),
  labeler: z.enum(['chexpert', 'negbio']).optional(),
  uncertain: z.enum(['skip', 'positive', 'negative']).optional(),
  redactions: z.enum(['drop-sentence', 'drop-sample', 'mask']).optional(),
  no_finding_cap: numberIn(0, 1).optional(),
  closed_vqa_per_study: intIn(1).optional(),
  classification_options: intIn(2).optional(),
  model: z
    .union([
      z.null(),
      z.literal(false),
      strict({
        id: z.string().min(1, 'must be a model id'),
        tasks: z.array(z.enum(MODEL_TASKS)).default([...MODEL_TASKS]),
        max_items: intIn(1).default(50),
        max_new_tokens: intIn(1).default(64),
        max_overlap: intIn(3).default(8),
        max_input_chars: intIn(16).default(1500),
      }),
    ])
    .optional(),
  tasks: perTask(strict({ enabled: z.boolean().optional(), weight: numberIn(0, 1).optional() })).optional(),
  templates: perTask(
    z
      .array(z.string().trim().min(1, 'must be a list of non-empty strings'))
      .min(MIN_TEMPLATES, `needs at least ${MIN_TEMPLATES} paraphrases`),
  ).optional(),
});

type SftRecipeFile = z.output<typeof sftRecipeSchema>;

function parseFile(text: string): SftRecipeFile {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw bad(`not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  return parseOrThrow(sftRecipeSchema, doc ?? {}, 'Recipe: ');
}

/** Resolves a recipe's YAML over the default recipe and validates it. */
export function parseRecipe(text: string): SftRecipe {
  const base = parseFile(defaultRecipeYaml());
  const doc = parseFile(text);
  const get = <K extends keyof SftRecipeFile>(key: K): SftRecipeFile[K] => doc[key] ?? base[key];
  const tasks = {} as SftRecipe['tasks'];
  const templates = {} as SftRecipe['templates'];
  for (const task of SFT_TASKS) {
    const t = { ...base.tasks?.[task], ...doc.tasks?.[task] };
    if (t.enabled === undefined || t.weight === undefined)
      throw bad(`tasks.${task} needs enabled and weight (the default recipe lacks them)`);
    tasks[task] = { enabled: t.enabled, weight: t.weight };
    const pool = doc.templates?.[task] ?? base.templates?.[task];
    if (!pool) throw bad(`templates.${task} is missing (the default recipe lacks it)`);
    templates[task] = pool;
  }
  const model = get('model');
  const seed = get('seed');
  const required = <T>(v: T | undefined, key: string): T => {
    if (v === undefined) throw bad(`${key} is missing (the default recipe lacks it)`);
    return v;
  };
  return {
    version: 1,
    seed: String(required(seed, 'seed')),
    splits: required(get('splits'), 'splits'),
    labeler: required(get('labeler'), 'labeler'),
    uncertain: required(get('uncertain'), 'uncertain'),
    redactions: required(get('redactions'), 'redactions'),
    noFindingCap: required(get('no_finding_cap'), 'no_finding_cap'),
    closedVqaPerStudy: required(get('closed_vqa_per_study'), 'closed_vqa_per_study'),
    classificationOptions: required(get('classification_options'), 'classification_options'),
    model: model
      ? {
          id: model.id,
          tasks: model.tasks,
          maxItems: model.max_items,
          maxNewTokens: model.max_new_tokens,
          maxOverlap: model.max_overlap,
          maxInputChars: model.max_input_chars,
        }
      : null,
    tasks,
    templates,
  };
}

/** The recipe as YAML in the file's own key names (for saving edits and for the app's editor). */
export function recipeToYaml(r: SftRecipe): string {
  const tasks: Record<string, unknown> = {};
  for (const t of SFT_TASKS) tasks[t] = r.tasks[t];
  return YAML.stringify({
    version: 1,
    seed: r.seed,
    splits: r.splits,
    labeler: r.labeler,
    uncertain: r.uncertain,
    redactions: r.redactions,
    no_finding_cap: r.noFindingCap,
    closed_vqa_per_study: r.closedVqaPerStudy,
    classification_options: r.classificationOptions,
    model: r.model && {
      id: r.model.id,
      tasks: r.model.tasks,
      max_items: r.model.maxItems,
      max_new_tokens: r.model.maxNewTokens,
      max_overlap: r.model.maxOverlap,
      max_input_chars: r.model.maxInputChars,
    },
    tasks,
    templates: r.templates,
  });
}
