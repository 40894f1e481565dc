/**
 * Report-text de-identification: rules, header-informed scrubbing, an optional NER model, placeholders kept,
 * and tags or consistent surrogates as output. Offsets are UTF-16 indices into the input text.
 */
import { findProtectedRanges } from './allow-list.ts';
import { compileHeader, headerCandidates } from './header.ts';
import { mergeSpans } from './merge.ts';
import type { MergeInput } from './merge.ts';
import { findPlaceholders } from './placeholders.ts';
import { ruleCandidates } from './rules.ts';
import { surrogateFor, tagFor } from './surrogates.ts';
import type { SurrogateContext } from './surrogates.ts';
import type { Candidate, DeidSpan, DeidTextOptions, DeidTextResult, NerPrediction } from './types.ts';

export type {
  DeidSpan,
  DeidTextOptions,
  DeidTextResult,
  KnownIdentifiers,
  NerModel,
  NerPrediction,
  OutputMode,
  PhiCategory,
  SpanCategory,
  SpanSource,
} from './types.ts';
export { compileHeader, parsePersonName, normaliseWord, type CompiledHeader } from './header.ts';
export { UNSPACED, informativeWord, personNameGroups } from './known-values.ts';
export {
  ALLOW_LIST_TERMS,
  findMedicalTerms,
  isMedicalHeadNoun,
  isMedicalWord,
  isNotNameWord,
} from './allow-list.ts';
export { scanDates, dateKey, type DateParts } from './dates.ts';
export { initialNameUse, nameWordUse, type NameWordUse } from './name-use.ts';
export type { MergeInput } from './merge.ts';

/** Detected spans of `text`, resolved and non-overlapping, without replacements. */
export function detectSpans(text: string, opts: DeidTextOptions = {}, extra: MergeInput[] = []): Candidate[] {
  const { spans: placeholders, masked } = findPlaceholders(text);
  const header = opts.known ? compileHeader(opts.known) : null;
  const candidates: MergeInput[] = ruleCandidates(masked, header ?? undefined);
  if (header) candidates.push(...headerCandidates(masked, header));
  candidates.push(...extra);
  return mergeSpans(masked, candidates, placeholders, findProtectedRanges(masked));
}

function surrogateContext(opts: DeidTextOptions): SurrogateContext | null {
  if (opts.mode !== 'surrogates') return null;
  if (!opts.secret || opts.secret.length === 0) throw new Error('Surrogate mode needs the project secret.');
  if (opts.patientKey === undefined) throw new Error('Surrogate mode needs a patient key.');
  return {
    secret: opts.secret,
    patientKey: opts.patientKey,
    shiftDays: opts.shiftDays ?? 0,
    header: opts.known ? compileHeader(opts.known) : null,
  };
}

/** Writes the replacements for resolved spans. */
export function applySpans(text: string, resolved: Candidate[], opts: DeidTextOptions = {}): DeidTextResult {
  const ctx = surrogateContext(opts);
  const spans: DeidSpan[] = [];
  let out = '';
  let at = 0;
  for (const c of resolved) {
    const original = text.slice(c.start, c.end);
    let replacement: string;
    if (c.category === 'REDACTED') replacement = original;
    else replacement = ctx ? surrogateFor(ctx, c.category, original) : tagFor(c.category);
    spans.push({ ...c, replacement });
    out += text.slice(at, c.start) + replacement;
    at = c.end;
  }
  return { text: out + text.slice(at), spans };
}

/** Rules and header only (no model): synchronous. */
export function deidentifyTextSync(text: string, opts: DeidTextOptions = {}): DeidTextResult {
  return applySpans(text, detectSpans(text, opts), opts);
}

/** A model's predictions as merge candidates (source `model`): below `minScore` or out of range dropped. */
export function modelCandidates(text: string, predictions: NerPrediction[], minScore = 0.5): MergeInput[] {
  const out: MergeInput[] = [];
  for (const p of predictions) {
    if (p.score < minScore || p.end <= p.start || p.start < 0 || p.end > text.length) continue;
    out.push({ start: p.start, end: p.end, category: p.category, source: 'model', confidence: p.score });
  }
  return out;
}

/** De-identifies `text`; with `opts.model`, the model's spans are united with the rules'. */
export async function deidentifyText(text: string, opts: DeidTextOptions = {}): Promise<DeidTextResult> {
  const extra = opts.model
    ? modelCandidates(text, await opts.model.predict(text), opts.modelMinScore ?? 0.5)
    : [];
  return applySpans(text, detectSpans(text, opts, extra), opts);
}
