import fs from 'node:fs';
import YAML from 'yaml';
import type { Split } from '../../api/curate.ts';
import { resourceFile } from '../app-root.ts';
import { ApiError } from '../errors.ts';
import { OPERATOR_BY_NAME, type OperatorDef, type Params } from './operators.ts';

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

function obj(v: unknown, where: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(`${where} must be a mapping.`);
  return v as Record<string, unknown>;
}

function number(v: unknown, where: string, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw bad(`${where} must be a number from ${min}${max === Infinity ? '' : ` to ${max}`}.`);
  return v;
}

function int(v: unknown, where: string, min: number, max: number): number {
  const n = number(v, where, min, max);
  if (!Number.isInteger(n)) throw bad(`${where} must be a whole number.`);
  return n;
}

function known(o: Record<string, unknown>, keys: string[], where: string): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) throw bad(`${where} has no parameter "${k}" (known: ${keys.join(', ')}).`);
}

function enabled(o: Record<string, unknown>, where: string): boolean {
  if (o.enabled === undefined) return true;
  if (typeof o.enabled !== 'boolean') throw bad(`${where}.enabled must be true or false.`);
  return o.enabled;
}

function filterParams(def: OperatorDef, raw: Record<string, unknown>): Params {
  const where = `filters.${def.name}`;
  known(raw, [...Object.keys(def.defaults), 'enabled'], where);
  const p: Params = { ...def.defaults };
  for (const [k, v] of Object.entries(raw)) if (k !== 'enabled') p[k] = v;
  const t = p[def.thresholdKey];
  if (def.direction === 'in') {
    if (!Array.isArray(t) || t.some((x) => typeof x !== 'string'))
      throw bad(`${where}.keep must be a list of labels.`);
  } else if (t !== null) number(t, `${where}.${def.thresholdKey}`, -Infinity);
  if (def.name === 'report.repetition') int(p.n, `${where}.n`, 1, 50);
  if (def.name === 'report.language') int(p.min_chars, `${where}.min_chars`, 0, 10_000);
  if (def.name === 'pair.alignment') {
    if (typeof p.model !== 'string' || !p.model) throw bad(`${where}.model must be a model id.`);
    if (p.top_percent !== null) number(p.top_percent, `${where}.top_percent`, 0, 100);
  }
  return p;
}

export function parseRecipe(text: string): Recipe {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw bad(`not valid YAML (${(err as Error).message.split('\n')[0]}).`);
  }
  const root = obj(doc, 'the recipe');
  known(root, ['version', 'filters', 'dedup', 'split'], 'the recipe');
  if (root.version !== undefined && root.version !== 1) throw bad('version must be 1.');

  const filters: Recipe['filters'] = [];
  for (const [name, raw] of Object.entries(obj(root.filters, 'filters'))) {
    const def = OPERATOR_BY_NAME.get(name);
    if (!def) throw bad(`unknown operator "${name}" (known: ${[...OPERATOR_BY_NAME.keys()].join(', ')}).`);
    const o = obj(raw, `filters.${name}`);
    if (!enabled(o, `filters.${name}`)) continue;
    filters.push({ def, params: filterParams(def, o) });
  }

  const dedup = obj(root.dedup, 'dedup');
  known(dedup, ['exact_pixels', 'near_image', 'near_text', 'semantic'], 'dedup');
  const ep = obj(dedup.exact_pixels, 'dedup.exact_pixels');
  known(ep, ['enabled'], 'dedup.exact_pixels');
  const ni = obj(dedup.near_image, 'dedup.near_image');
  known(ni, ['enabled', 'auto_radius', 'review_radius'], 'dedup.near_image');
  const autoRadius = int(ni.auto_radius ?? 2, 'dedup.near_image.auto_radius', 0, 8);
  const reviewRadius = int(ni.review_radius ?? 4, 'dedup.near_image.review_radius', autoRadius, 15);
  const nt = obj(dedup.near_text, 'dedup.near_text');
  known(nt, ['enabled', 'shingle', 'permutations', 'bands', 'threshold', 'cap'], 'dedup.near_text');
  const permutations = int(nt.permutations ?? 128, 'dedup.near_text.permutations', 16, 1024);
  const bands = int(nt.bands ?? 16, 'dedup.near_text.bands', 1, permutations);
  if (permutations % bands !== 0) throw bad('dedup.near_text.bands must divide permutations.');
  let cap: Recipe['dedup']['nearText']['cap'] = null;
  if (nt.cap !== null && nt.cap !== false) {
    const c = obj(nt.cap ?? {}, 'dedup.near_text.cap');
    known(c, ['max_share', 'min_keep'], 'dedup.near_text.cap');
    cap = {
      maxShare: number(c.max_share ?? 0.05, 'dedup.near_text.cap.max_share', 0, 1),
      minKeep: int(c.min_keep ?? 50, 'dedup.near_text.cap.min_keep', 1, 1e9),
    };
  }
  const se = obj(dedup.semantic, 'dedup.semantic');
  known(se, ['enabled', 'model', 'threshold'], 'dedup.semantic');

  const split = obj(root.split, 'split');
  known(split, ['ratios'], 'split');
  const r = obj(split.ratios, 'split.ratios');
  known(r, ['train', 'validate', 'test'], 'split.ratios');
  const ratios = {
    train: number(r.train ?? 0.8, 'split.ratios.train', 0, 1),
    validate: number(r.validate ?? 0.1, 'split.ratios.validate', 0, 1),
    test: number(r.test ?? 0.1, 'split.ratios.test', 0, 1),
  };
  const sum = ratios.train + ratios.validate + ratios.test;
  if (Math.abs(sum - 1) > 1e-6) throw bad(`split.ratios must add up to 1 (they add up to ${sum}).`);

  return {
    filters,
    dedup: {
      exactPixels: enabled(ep, 'dedup.exact_pixels'),
      nearImage: { enabled: enabled(ni, 'dedup.near_image'), autoRadius, reviewRadius },
      nearText: {
        enabled: enabled(nt, 'dedup.near_text'),
        shingle: int(nt.shingle ?? 3, 'dedup.near_text.shingle', 1, 10),
        permutations,
        bands,
        threshold: number(nt.threshold ?? 0.8, 'dedup.near_text.threshold', 0, 1),
        cap,
      },
      semantic: {
        enabled: se.enabled === undefined ? false : enabled(se, 'dedup.semantic'),
        model: typeof se.model === 'string' ? se.model : 'biomedclip',
        // A cosine; above 1 nothing clusters (a dry run of the rung: embeddings computed, no cluster).
        threshold: number(se.threshold ?? 0.98, 'dedup.semantic.threshold', -1, 2),
      },
    },
    split: { ratios },
  };
}
