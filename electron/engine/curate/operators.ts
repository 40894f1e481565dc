/**
 * Filter operators. Each computes one statistic per sample (stored in sample_stats under a key made of the
 * operator and the parameters that change the value) and then decides against a threshold. Computing and
 * deciding are separate, so a changed threshold re-decides from stored values, and an "analyse" run stores
 * statistics without removing anything. A sample without the statistic (no report, no thumbnail) is kept.
 */
import path from 'node:path';
import sharp from 'sharp';
import type { Decision, OperatorKind, Threshold } from '../../api/curate.ts';
import {
  ageAtStudy,
  bodyPartLabel,
  pediatricFlag,
  reportBody,
  reportParts,
  viewClass,
  type Sample,
} from './samples.ts';
import {
  contentWords,
  markupCount,
  nonPrintableShare,
  placeholderDensity,
  repetitionShare,
  reportLanguage,
  wordCount,
} from './text-stats.ts';

export interface StatValue {
  value: number | null;
  label: string | null;
}

export type Params = Record<string, unknown>;

/** What a statistic may need beyond the sample: the project cache (thumbnails) and the model layer. */
export interface ComputeContext {
  cacheDir: string;
  signal: AbortSignal;
  /** Image–text alignment scores from an installed model; null when no model can run. */
  align: ((model: string, samples: Sample[]) => Promise<(number | null)[]>) | null;
  /** Why `align` is null or a model is missing, or null when the model is there. */
  modelProblem: (model: string) => string | null;
  /**
   * A short fingerprint of the installed model's files (their pinned hashes, else their sizes): part of a
   * model statistic's input, so replaced weights under the same id are scored again.
   */
  modelVersion: (model: string) => string;
}

export interface OperatorDef {
  name: string;
  kind: OperatorKind;
  statistic: string;
  direction: 'min' | 'max' | 'in';
  /** The recipe key that holds the threshold: min, max or keep. */
  thresholdKey: 'min' | 'max' | 'keep';
  /** Every parameter with its default (the threshold included). */
  defaults: Params;
  /** Parameters that change the statistic's value (part of the cache key). */
  statParams: readonly string[];
  /** What the value is computed from; a stored value with another input is recomputed. */
  input(s: Sample, p: Params, ctx: ComputeContext): string;
  compute(samples: Sample[], p: Params, ctx: ComputeContext): Promise<StatValue[]> | StatValue[];
  /** Why the operator cannot run (e.g. no model installed), or null. */
  unavailable?(p: Params, ctx: ComputeContext): string | null;
}

const num = (value: number | null): StatValue => ({ value, label: null });
const cat = (label: string | null): StatValue => ({ value: null, label });
const report = (s: Sample) => (s.reportId === null ? 'no-report' : `r${s.reportId}`);

/** Luma statistics of a thumbnail, memoised per run (blank and saturated read the same file). */
const pixelMemo = new WeakMap<ComputeContext, Map<string, Promise<PixelStats | null>>>();
interface PixelStats {
  std: number;
  clipped: number;
}

function pixelStats(ctx: ComputeContext, rel: string | null): Promise<PixelStats | null> {
  if (!rel) return Promise.resolve(null);
  let memo = pixelMemo.get(ctx);
  if (!memo) pixelMemo.set(ctx, (memo = new Map()));
  let p = memo.get(rel);
  if (!p) {
    p = readPixelStats(path.join(ctx.cacheDir, rel)).catch(() => null);
    memo.set(rel, p);
  }
  return p;
}

/**
 * Reads the rendered thumbnail (the windowed 8-bit rendering made at import, ≤256 px) instead of decoding the
 * DICOM again: blankness and clipping survive downscaling, and it costs a PNG decode per image.
 */
async function readPixelStats(file: string): Promise<PixelStats> {
  const { data } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  let sq = 0;
  let low = 0;
  let high = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    sum += v;
    sq += v * v;
    if (v <= 1) low++;
    else if (v >= 254) high++;
  }
  const n = Math.max(1, data.length);
  const mean = sum / n;
  return { std: Math.sqrt(Math.max(0, sq / n - mean * mean)), clipped: Math.max(low, high) / n };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const pixelInput = (s: Sample) => s.thumbnail ?? 'no-thumbnail';

export const OPERATORS: readonly OperatorDef[] = [
  {
    name: 'image.min_size',
    kind: 'image',
    statistic: 'shorter side (px)',
    direction: 'min',
    thresholdKey: 'min',
    defaults: { min: 128 },
    statParams: [],
    input: (s) => `${s.rows}x${s.columns}`,
    compute: (ss) => ss.map((s) => num(Math.min(s.rows, s.columns))),
  },
  {
    name: 'image.aspect_ratio',
    kind: 'image',
    statistic: 'longer / shorter side',
    direction: 'max',
    thresholdKey: 'max',
    defaults: { max: 2 },
    statParams: [],
    input: (s) => `${s.rows}x${s.columns}`,
    compute: (ss) =>
      ss.map((s) => num(Math.max(s.rows, s.columns) / Math.max(1, Math.min(s.rows, s.columns)))),
  },
  {
    name: 'image.bit_depth',
    kind: 'image',
    statistic: 'bits stored',
    direction: 'min',
    thresholdKey: 'min',
    defaults: { min: 8 },
    statParams: [],
    input: (s) => String(s.bitsStored),
    compute: (ss) => ss.map((s) => num(s.bitsStored)),
  },
  {
    name: 'image.blank',
    kind: 'image',
    statistic: 'grey-level standard deviation of the thumbnail (0–255)',
    direction: 'min',
    thresholdKey: 'min',
    defaults: { min: 8 },
    statParams: [],
    input: pixelInput,
    compute: (ss, _p, ctx) =>
      mapLimit(ss, 4, async (s) => num((await pixelStats(ctx, s.thumbnail))?.std ?? null)),
  },
  {
    name: 'image.saturated',
    kind: 'image',
    statistic: 'share of thumbnail pixels clipped at black or white (the larger)',
    direction: 'max',
    thresholdKey: 'max',
    defaults: { max: 0.5 },
    statParams: [],
    input: pixelInput,
    compute: (ss, _p, ctx) =>
      mapLimit(ss, 4, async (s) => num((await pixelStats(ctx, s.thumbnail))?.clipped ?? null)),
  },
  {
    name: 'image.modality',
    kind: 'image',
    statistic: 'modality',
    direction: 'in',
    thresholdKey: 'keep',
    defaults: { keep: ['CR', 'DX'] },
    statParams: [],
    input: (s) => s.modality ?? '',
    compute: (ss) => ss.map((s) => cat(s.modality?.trim().toUpperCase() || null)),
  },
  {
    name: 'image.body_part',
    kind: 'image',
    statistic: 'body part (chest spellings joined)',
    direction: 'in',
    thresholdKey: 'keep',
    defaults: { keep: ['CHEST'] },
    statParams: [],
    input: (s) => s.bodyPart ?? '',
    compute: (ss) => ss.map((s) => cat(bodyPartLabel(s.bodyPart))),
  },
  {
    name: 'image.view_position',
    kind: 'image',
    statistic: 'view class (frontal, lateral, other, unknown)',
    direction: 'in',
    thresholdKey: 'keep',
    defaults: { keep: ['frontal', 'lateral'] },
    statParams: [],
    input: (s) => s.viewPosition ?? '',
    compute: (ss) => ss.map((s) => cat(viewClass(s.viewPosition))),
  },
  {
    name: 'image.pediatric',
    kind: 'image',
    statistic: 'age at the study (years; 0 when the source flags the image pediatric)',
    direction: 'min',
    thresholdKey: 'min',
    defaults: { min: 18 },
    statParams: [],
    input: (s) =>
      `${s.birthDate ?? ''}|${s.birthYear ?? ''}|${s.studyDate ?? ''}|${pediatricFlag(s.meta) ?? ''}`,
    compute: (ss) =>
      ss.map((s) => {
        const flag = pediatricFlag(s.meta);
        const age = ageAtStudy(s);
        if (flag === true) return { value: 0, label: 'pediatric-flag' };
        return num(age === null ? null : Math.round(age * 100) / 100);
      }),
  },
  {
    name: 'image.quarantine',
    kind: 'image',
    statistic: 'burned-in text quarantine state',
    direction: 'in',
    thresholdKey: 'keep',
    defaults: { keep: ['none', 'released'] },
    statParams: [],
    input: (s) => s.quarantine,
    compute: (ss) => ss.map((s) => cat(s.quarantine)),
  },
  {
    name: 'report.language',
    kind: 'report',
    statistic: 'report language (ISO 639-3; und when too short to tell)',
    direction: 'in',
    thresholdKey: 'keep',
    defaults: { keep: ['eng', 'spa', 'und'], min_chars: 40 },
    statParams: ['min_chars'],
    input: report,
    compute: (ss, p) =>
      ss.map((s) =>
        s.reportId === null
          ? cat(null)
          : cat(
              reportLanguage(
                reportBody(s.sections, s.reportRaw) || (s.reportRaw ?? ''),
                s.stemmed === 1,
                Number(p.min_chars),
              ),
            ),
      ),
  },
  {
    name: 'report.length',
    kind: 'report',
    statistic: 'words in findings and impression (0: report without either)',
    direction: 'min',
    thresholdKey: 'min',
    defaults: { min: 2 },
    statParams: [],
    input: report,
    compute: (ss) =>
      ss.map((s) => num(s.reportId === null ? null : wordCount(reportBody(s.sections, s.reportRaw)))),
  },
  {
    name: 'report.boilerplate',
    kind: 'report',
    statistic: 'content words outside titles, headers, signatures and administrative lines',
    direction: 'min',
    thresholdKey: 'min',
    defaults: { min: 1 },
    statParams: [],
    input: report,
    compute: (ss) => ss.map((s) => num(s.reportRaw === null ? null : contentWords(s.reportRaw))),
  },
  {
    name: 'report.non_printable',
    kind: 'report',
    statistic: 'share of control and replacement characters',
    direction: 'max',
    thresholdKey: 'max',
    defaults: { max: 0.01 },
    statParams: [],
    input: report,
    compute: (ss) => ss.map((s) => num(s.reportRaw === null ? null : nonPrintableShare(s.reportRaw))),
  },
  {
    name: 'report.repetition',
    kind: 'report',
    statistic: 'share of repeated word n-grams within a section',
    direction: 'max',
    thresholdKey: 'max',
    defaults: { max: 0.3, n: 5 },
    statParams: ['n'],
    input: report,
    compute: (ss, p) =>
      ss.map((s) =>
        num(s.reportId === null ? null : repetitionShare(reportParts(s.sections, s.reportRaw), Number(p.n))),
      ),
  },
  {
    name: 'report.placeholders',
    kind: 'report',
    statistic: 'placeholders (___, XXXX, [**…**], [NAME]) per 100 words',
    direction: 'max',
    thresholdKey: 'max',
    defaults: { max: 15 },
    statParams: [],
    input: report,
    compute: (ss) => ss.map((s) => num(s.reportRaw === null ? null : placeholderDensity(s.reportRaw))),
  },
  {
    name: 'report.markup',
    kind: 'report',
    statistic: 'markup remnants (HTML/XML tags and entities, RTF control words)',
    direction: 'max',
    thresholdKey: 'max',
    defaults: { max: 2 },
    statParams: [],
    input: report,
    compute: (ss) => ss.map((s) => num(s.reportRaw === null ? null : markupCount(s.reportRaw))),
  },
  {
    name: 'pair.alignment',
    kind: 'pair',
    statistic: 'image–text cosine from an installed CLIP-style model',
    direction: 'min',
    thresholdKey: 'min',
    defaults: { model: 'biomedclip', min: null, top_percent: null },
    statParams: ['model'],
    input: (s, p, ctx) =>
      `${String(p.model)}@${ctx.modelVersion(String(p.model))}|${s.thumbnail ?? ''}|${report(s)}`,
    unavailable: (p, ctx) => ctx.modelProblem(String(p.model)),
    compute: async (ss, p, ctx) => {
      if (!ctx.align) return ss.map(() => num(null));
      const scores = await ctx.align(String(p.model), ss);
      return scores.map((v) => num(v));
    },
  },
];

export const OPERATOR_BY_NAME: ReadonlyMap<string, OperatorDef> = new Map(OPERATORS.map((o) => [o.name, o]));

/** The sample_stats key: the operator and the parameters that change its value. */
export function statKey(def: OperatorDef, p: Params): string {
  if (def.statParams.length === 0) return def.name;
  return `${def.name}(${def.statParams.map((k) => `${k}=${JSON.stringify(p[k])}`).join(',')})`;
}

/** The threshold of an operator's parameters, as the API carries it (null: nothing is removed). */
export function thresholdOf(def: OperatorDef, p: Params): Threshold | null {
  const t = p[def.thresholdKey];
  if (def.direction === 'in') return Array.isArray(t) ? t.map(String) : null;
  return typeof t === 'number' ? t : null;
}

/** Keep or remove one sample; null when the statistic is missing (kept). */
export function decide(def: OperatorDef, stat: StatValue | undefined, t: Threshold | null): Decision | null {
  if (!stat || t === null) return null;
  if (def.direction === 'in') {
    if (stat.label === null) return null;
    return (t as string[]).includes(stat.label) ? 'keep' : 'remove';
  }
  if (stat.value === null) return null;
  const v = stat.value;
  return (def.direction === 'min' ? v >= (t as number) : v <= (t as number)) ? 'keep' : 'remove';
}

export function formatThreshold(def: OperatorDef, t: Threshold | null): string {
  if (t === null) return 'none';
  if (def.direction === 'in') return `keep ${(t as string[]).join(', ')}`;
  return `${def.direction === 'min' ? '≥' : '≤'} ${String(t)}`;
}
