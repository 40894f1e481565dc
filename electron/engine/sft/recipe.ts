/**
 * SFT recipes: a YAML file (resources/recipes/sft-default.yaml documents every key) resolved into one
 * validated object. Keys the file leaves out take the default recipe's values, so a custom recipe can be a few
 * lines; the resolved recipe (templates included) is what a run records and a bundle's manifest carries.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { SFT_TASKS, type SftSplit, type SftTask } from '../../api/sft.ts';
import { resourceFile } from '../app-root.ts';
import { ApiError } from '../errors.ts';

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

function parseYaml(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw bad(`not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw bad('the document must be a mapping');
  return doc as Record<string, unknown>;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], key: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw bad(`${key} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function fraction(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw bad(`${key} must be from 0 to 1`);
  return v;
}

function count(v: unknown, key: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw bad(`${key} must be an integer ≥ ${min}`);
  return v;
}

function obj(v: unknown, key: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${key} must be a mapping`);
  return v as Record<string, unknown>;
}

/** Resolves a recipe's YAML over the default recipe and validates it. */
export function parseRecipe(text: string): SftRecipe {
  const base = parseYaml(defaultRecipeYaml());
  const doc = parseYaml(text);
  for (const key of Object.keys(doc)) {
    if (!(key in base)) throw bad(`unknown key "${key}"`);
  }
  const get = (key: string): unknown => (doc[key] === undefined ? base[key] : doc[key]);
  const baseTasks = obj(base.tasks, 'tasks');
  const docTasks = doc.tasks === undefined ? {} : obj(doc.tasks, 'tasks');
  const baseTemplates = obj(base.templates, 'templates');
  const docTemplates = doc.templates === undefined ? {} : obj(doc.templates, 'templates');
  for (const k of [...Object.keys(docTasks), ...Object.keys(docTemplates)]) {
    if (!(SFT_TASKS as readonly string[]).includes(k)) throw bad(`unknown task "${k}"`);
  }
  const tasks = {} as SftRecipe['tasks'];
  const templates = {} as SftRecipe['templates'];
  for (const task of SFT_TASKS) {
    const t = { ...obj(baseTasks[task], `tasks.${task}`), ...obj(docTasks[task] ?? {}, `tasks.${task}`) };
    if (typeof t.enabled !== 'boolean') throw bad(`tasks.${task}.enabled must be true or false`);
    tasks[task] = { enabled: t.enabled, weight: fraction(t.weight, `tasks.${task}.weight`) };
    const pool = docTemplates[task] ?? baseTemplates[task];
    if (!Array.isArray(pool) || pool.some((s) => typeof s !== 'string' || s.trim() === ''))
      throw bad(`templates.${task} must be a list of non-empty strings`);
    if (pool.length < MIN_TEMPLATES)
      throw bad(`templates.${task} needs at least ${MIN_TEMPLATES} paraphrases (has ${pool.length})`);
    templates[task] = (pool as string[]).map((s) => s.trim());
  }
  const splitsDoc = obj(get('splits'), 'splits');
  const splits = {
    train: fraction(splitsDoc.train ?? 0, 'splits.train'),
    validate: fraction(splitsDoc.validate ?? 0, 'splits.validate'),
    test: fraction(splitsDoc.test ?? 0, 'splits.test'),
  };
  const sum = splits.train + splits.validate + splits.test;
  if (Math.abs(sum - 1) > 1e-6) throw bad('splits must add up to 1');
  const seed = get('seed');
  if (typeof seed !== 'string' && typeof seed !== 'number') throw bad('seed must be a number or a string');
  return {
    version: 1,
    seed: String(seed),
    splits,
    labeler: oneOf(get('labeler'), ['chexpert', 'negbio'] as const, 'labeler'),
    uncertain: oneOf(get('uncertain'), ['skip', 'positive', 'negative'] as const, 'uncertain'),
    redactions: oneOf(get('redactions'), ['drop-sentence', 'drop-sample', 'mask'] as const, 'redactions'),
    noFindingCap: fraction(get('no_finding_cap'), 'no_finding_cap'),
    closedVqaPerStudy: count(get('closed_vqa_per_study'), 'closed_vqa_per_study', 1),
    classificationOptions: count(get('classification_options'), 'classification_options', 2),
    model: parseModel(get('model')),
    tasks,
    templates,
  };
}

function parseModel(v: unknown): ModelSettings | null {
  if (v === null || v === undefined || v === false) return null;
  const m = obj(v, 'model');
  if (typeof m.id !== 'string' || m.id === '') throw bad('model.id must be a model id');
  const tasks = (m.tasks ?? ['rewrite_instruction', 'open_qa']) as unknown;
  if (!Array.isArray(tasks)) throw bad('model.tasks must be a list');
  return {
    id: m.id,
    tasks: tasks.map((t) => oneOf(t, ['rewrite_instruction', 'open_qa'] as const, 'model.tasks[]')),
    maxItems: count(m.max_items ?? 50, 'model.max_items', 1),
    maxNewTokens: count(m.max_new_tokens ?? 64, 'model.max_new_tokens', 1),
    maxOverlap: count(m.max_overlap ?? 8, 'model.max_overlap', 3),
    maxInputChars: count(m.max_input_chars ?? 1500, 'model.max_input_chars', 16),
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
