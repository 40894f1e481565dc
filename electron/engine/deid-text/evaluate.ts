/**
 * Measuring de-identification against gold spans (one JSON record per line: `{"text", "spans": [{"start",
 * "end", "category"}]}`, optional `header`).
 *
 * - span recall: a gold span counts as found only when every character of it is covered by predicted spans of
 *   any category (a name tagged as a location is still hidden);
 * - token precision and recall: tokens are runs of letters and digits; a token is gold (or predicted) when a
 *   gold (or predicted) span overlaps it; per category, recall is over the gold tokens of that category and
 *   precision over the predicted tokens of that category;
 * - character precision: predicted characters that lie inside gold spans (placeholders excluded, they are
 *   not new predictions);
 * - medical terms redacted: allow-listed terms outside gold spans that a predicted span touches (must be 0).
 * Misses carry the PHI text and are returned apart, so a front prints them only when asked.
 */
import { findMedicalTerms } from './allow-list.ts';
import type { KnownIdentifiers, PhiCategory, SpanCategory } from './types.ts';

export interface GoldSpan {
  start: number;
  end: number;
  category: PhiCategory;
}

export interface GoldRecord {
  id?: string;
  text: string;
  spans: GoldSpan[];
  header?: KnownIdentifiers;
}

export interface PredictedSpan {
  start: number;
  end: number;
  category: SpanCategory;
}

export interface Metrics {
  goldSpans: number;
  spansFound: number;
  spanRecall: number;
  tokenPrecision: number;
  tokenRecall: number;
  tokenF1: number;
  charPrecision: number;
}

export interface Miss {
  record: number;
  id?: string;
  category: PhiCategory;
  start: number;
  end: number;
  /** The PHI itself: print only on request. */
  text: string;
}

export interface EvaluationReport {
  records: number;
  overall: Metrics;
  perCategory: Partial<Record<PhiCategory, Metrics>>;
  medicalTermsRedacted: number;
}

export interface Evaluation {
  report: EvaluationReport;
  misses: Miss[];
}

/** Parses gold JSONL; throws with the line number on a malformed record. */
export function parseGold(jsonl: string): GoldRecord[] {
  const out: GoldRecord[] = [];
  jsonl.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const value = JSON.parse(line) as Partial<GoldRecord>;
    if (typeof value.text !== 'string' || !Array.isArray(value.spans)) {
      throw new Error(`Gold line ${i + 1}: expected {"text", "spans"}.`);
    }
    out.push(value as GoldRecord);
  });
  return out;
}

interface Counter {
  gold: number;
  found: number;
  goldTokens: number;
  goldTokensHit: number;
  predTokens: number;
  predTokensTrue: number;
  predChars: number;
  predCharsTrue: number;
}

const counter = (): Counter => ({
  gold: 0,
  found: 0,
  goldTokens: 0,
  goldTokensHit: 0,
  predTokens: 0,
  predTokensTrue: 0,
  predChars: 0,
  predCharsTrue: 0,
});

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);

function metrics(c: Counter): Metrics {
  const p = ratio(c.predTokensTrue, c.predTokens);
  const r = ratio(c.goldTokensHit, c.goldTokens);
  return {
    goldSpans: c.gold,
    spansFound: c.found,
    spanRecall: ratio(c.found, c.gold),
    tokenPrecision: p,
    tokenRecall: r,
    tokenF1: p + r === 0 ? 0 : (2 * p * r) / (p + r),
    charPrecision: ratio(c.predCharsTrue, c.predChars),
  };
}

const TOKEN = /[\p{L}\p{N}]+/gu;

/** Scores predictions for each gold record (`predict` returns spans over `record.text`). */
export async function evaluate(
  records: GoldRecord[],
  predict: (record: GoldRecord) => PredictedSpan[] | Promise<PredictedSpan[]>,
): Promise<Evaluation> {
  const overall = counter();
  const per = new Map<PhiCategory, Counter>();
  const of = (c: PhiCategory) => per.get(c) ?? per.set(c, counter()).get(c)!;
  const misses: Miss[] = [];
  let medicalTermsRedacted = 0;

  for (const [index, record] of records.entries()) {
    const { text } = record;
    const predicted = (await predict(record)).filter((s) => s.category !== 'REDACTED');
    const covered = new Uint8Array(text.length);
    const goldAt = new Uint8Array(text.length);
    for (const s of predicted) covered.fill(1, s.start, s.end);
    for (const s of record.spans) goldAt.fill(1, s.start, s.end);

    for (const g of record.spans) {
      const found = covered.subarray(g.start, g.end).every((v) => v === 1);
      for (const c of [overall, of(g.category)]) {
        c.gold++;
        if (found) c.found++;
      }
      if (!found)
        misses.push({
          record: index,
          id: record.id,
          category: g.category,
          start: g.start,
          end: g.end,
          text: text.slice(g.start, g.end),
        });
    }

    for (const m of text.matchAll(TOKEN)) {
      const s = m.index;
      const e = s + m[0].length;
      const goldCat = record.spans.find((g) => g.start < e && g.end > s)?.category;
      const pred = predicted.find((p) => p.start < e && p.end > s);
      const predCat = pred?.category;
      if (goldCat) {
        for (const c of [overall, of(goldCat)]) {
          c.goldTokens++;
          if (pred) c.goldTokensHit++;
        }
      }
      if (predCat && predCat !== 'REDACTED') {
        for (const c of [overall, of(predCat)]) {
          c.predTokens++;
          if (goldCat) c.predTokensTrue++;
        }
      }
    }

    for (const p of predicted) {
      if (p.category === 'REDACTED') continue;
      let inside = 0;
      for (let i = p.start; i < p.end; i++) inside += goldAt[i] ?? 0;
      for (const c of [overall, of(p.category)]) {
        c.predChars += p.end - p.start;
        c.predCharsTrue += inside;
      }
    }

    for (const [s, e] of findMedicalTerms(text)) {
      if (goldAt.subarray(s, e).some((v) => v === 1)) continue;
      if (covered.subarray(s, e).some((v) => v === 1)) medicalTermsRedacted++;
    }
  }

  const perCategory: Partial<Record<PhiCategory, Metrics>> = {};
  for (const [category, c] of [...per.entries()].sort()) perCategory[category] = metrics(c);
  return {
    report: { records: records.length, overall: metrics(overall), perCategory, medicalTermsRedacted },
    misses,
  };
}
