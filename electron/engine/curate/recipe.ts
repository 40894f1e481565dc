import fs from 'node:fs';
import YAML from 'yaml';
import type { Split } from '../../api/curate.ts';
import { resourceFile } from '../app-root.ts';
import { ApiError } from '../errors.ts';
import { z } from 'zod';
import { intIn, numberIn, parseOrThrow, strict } from '../validation.ts';
import { OPERATORS, OPERATOR_BY_NAME, type OperatorDef, type Params } from './operators.ts';

/**
 * A curation recipe (YAML): the filter operators to run, in order, with their parameters; the dedup ladder;
 * the split. Parameters left out take the operator's default; an operator left out does not run.
 */
export interface Recipe {
  filters: { def: OperatorDef; params: Params }[];
  dedup: {
    exactPixels: boolean;
    nearImage: { enabled: boolean; autoRadius: number; reviewRadius: number };
    nearText: {
      enabled: boolean;
      shingle: number;
      permutations: number;
      bands: number;
      threshold: number;
      cap: { maxShare: number; minKeep: number } | null;
    };
    semantic: { enabled: boolean; model: string; threshold: number };
  };
  split: { ratios: Record<Split, number> };
}

export function defaultRecipePath(): string {
  return resourceFile('recipes', 'default.yaml');
}

export function defaultRecipeText(): string {
  return fs.readFileSync(defaultRecipePath(), 'utf8');
}

const bad = (m: string) => new ApiError('bad-request', `Recipe: ${m}`);

// Parameters with limits of their own; any other parameter takes the type of its default.
const PARAM_RULES: Record<string, z.ZodType> = {
  'report.repetition.n': intIn(1, 50),
  'report.language.min_chars': intIn(0, 10_000),
  'pair.alignment.model': z.string().min(1, 'must be a model id'),
  'pair.alignment.top_percent': numberIn(0, 100).nullable(),
};

function paramSchema(def: OperatorDef, key: string, fallback: unknown): z.ZodType {
  const rule = PARAM_RULES[`${def.name}.${key}`];
  if (rule) return rule;
  if (Array.isArray(fallback)) return z.array(z.string(), 'must be a list of labels');
  if (typeof fallback === 'string') return z.string().min(1);
  // A threshold: a number, or null for statistics only.
  return z.number().nullable();
}

function operatorSchema(def: OperatorDef) {
  const params = Object.fromEntries(
    Object.entries(def.defaults).map(([k, v]) => [k, paramSchema(def, k, v).optional()]),
  );
  return strict({ enabled: z.boolean().optional(), ...params }).optional();
}

// A section may be left out: it is then read as empty, so every key in it takes its default.
const section = <T extends z.core.$ZodLooseShape>(shape: T) =>
  strict(shape).prefault({} as z.input<ReturnType<typeof strict<T>>>);

/**
 * The curation recipe file's schema (snake_case, as written in YAML); published as JSON Schema in
 * resources/recipes/curate-recipe.schema.json so editors can check a recipe as it is typed.
 */
export const curateRecipeSchema = strict({
  version: z.literal(1).optional(),
  filters: z
    .strictObject(Object.fromEntries(OPERATORS.map((def) => [def.name, operatorSchema(def)])), {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown operator "${issue.keys[0]}" (known: ${[...OPERATOR_BY_NAME.keys()].join(', ')})`
          : undefined,
    })
    .prefault({}),
  dedup: section({
    exact_pixels: section({ enabled: z.boolean().default(true) }),
    near_image: section({
      enabled: z.boolean().default(true),
      auto_radius: intIn(0, 8).default(2),
      review_radius: intIn(0, 15).default(4),
    }).refine((n) => n.review_radius >= n.auto_radius, {
      message: 'review_radius must be at least auto_radius',
    }),
    near_text: section({
      enabled: z.boolean().default(true),
      shingle: intIn(1, 10).default(3),
      permutations: intIn(16, 1024).default(128),
      bands: intIn(1, 1024).default(16),
      threshold: numberIn(0, 1).default(0.8),
      cap: z
        .union([
          z.literal(false),
          z.null(),
          strict({ max_share: numberIn(0, 1).default(0.05), min_keep: intIn(1, 1e9).default(50) }),
        ])
        .default({ max_share: 0.05, min_keep: 50 }),
    }).refine((n) => n.bands <= n.permutations && n.permutations % n.bands === 0, {
      message: 'bands must divide permutations',
    }),
    semantic: section({
      enabled: z.boolean().default(false),
      model: z.string().min(1).default('biomedclip'),
      // A cosine; above 1 nothing clusters (a dry run of the rung: embeddings computed, no cluster).
      threshold: numberIn(-1, 2).default(0.98),
    }),
  }),
  split: section({
    ratios: section({
      train: numberIn(0, 1).default(0.8),
      validate: numberIn(0, 1).default(0.1),
      test: numberIn(0, 1).default(0.1),
    }).refine((r) => Math.abs(r.train + r.validate + r.test - 1) <= 1e-6, {
      message: 'must add up to 1',
    }),
  }),
});

export function parseRecipe(text: string): Recipe {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw bad(`not valid YAML (${(err as Error).message.split('\n')[0]}).`);
  }
  const r = parseOrThrow(curateRecipeSchema, doc ?? {}, 'Recipe: ');
  const filters: Recipe['filters'] = [];
  for (const [name, raw] of Object.entries(r.filters)) {
    if (!raw || raw.enabled === false) continue;
    const def = OPERATOR_BY_NAME.get(name)!;
    const { enabled: _enabled, ...given } = raw;
    void _enabled;
    filters.push({ def, params: { ...def.defaults, ...given } });
  }
  const { near_image: ni, near_text: nt, semantic: se } = r.dedup;
  return {
    filters,
    dedup: {
      exactPixels: r.dedup.exact_pixels.enabled,
      nearImage: { enabled: ni.enabled, autoRadius: ni.auto_radius, reviewRadius: ni.review_radius },
      nearText: {
        enabled: nt.enabled,
        shingle: nt.shingle,
        permutations: nt.permutations,
        bands: nt.bands,
        threshold: nt.threshold,
        cap: nt.cap ? { maxShare: nt.cap.max_share, minKeep: nt.cap.min_keep } : null,
      },
      semantic: { enabled: se.enabled, model: se.model, threshold: se.threshold },
    },
    split: { ratios: r.split.ratios },
  };
}
