/**
 * Resolving detections into non-overlapping spans.
 *
 * 1. Weak rule spans and model spans give way to the medical allow list (the part over an allow-listed term is
 *    cut away); header and placeholder spans do not (header policy lives in header.ts).
 * 2. Overlapping spans are united (recall first). The united span takes the category and source of its longest
 *    member; on equal length the priority is header > placeholder > rule > model, then
 *    DATE > AGE > CONTACT > ID > NAME > LOCATION (the more specific, better-surrogated category first).
 * 3. Name pieces separated only by a comma or spaces ("DOE, JANE", "Jane" + "Doe") become one span, as do
 *    address pieces ("12 Oak Street, Springfield, IL 62704").
 * 4. Placeholders stay exactly as they are: no other span may cover any of their characters.
 */
import type { Range } from './allow-list.ts';
import type { Candidate, SpanCategory } from './types.ts';

export interface MergeInput extends Candidate {
  weak?: boolean;
}

const CATEGORY_RANK: Record<SpanCategory, number> = {
  REDACTED: 7,
  DATE: 6,
  AGE: 5,
  CONTACT: 4,
  ID: 3,
  NAME: 2,
  LOCATION: 1,
};

function sourceRank(source: string): number {
  if (source === 'header') return 4;
  if (source === 'placeholder') return 3;
  if (source === 'model') return 1;
  return 2;
}

function better(a: Candidate, b: Candidate): boolean {
  const la = a.end - a.start;
  const lb = b.end - b.start;
  if (la !== lb) return la > lb;
  const sa = sourceRank(a.source);
  const sb = sourceRank(b.source);
  if (sa !== sb) return sa > sb;
  return CATEGORY_RANK[a.category] > CATEGORY_RANK[b.category];
}

/** Removes the parts of `c` inside `ranges` (sorted); keeps the longest remaining piece with a letter or digit. */
function subtract(c: MergeInput, ranges: Range[], text: string): MergeInput | null {
  let pieces: Range[] = [[c.start, c.end]];
  for (const [rs, re] of ranges) {
    if (re <= c.start) continue;
    if (rs >= c.end) break;
    pieces = pieces.flatMap(([ps, pe]): Range[] => {
      if (re <= ps || rs >= pe) return [[ps, pe]];
      const out: Range[] = [];
      if (rs > ps) out.push([ps, rs]);
      if (re < pe) out.push([re, pe]);
      return out;
    });
  }
  let best: Range | null = null;
  for (const [ps, pe] of pieces) {
    const trimmed = trim(text, ps, pe);
    if (!trimmed || !/[\p{L}\p{N}]/u.test(text.slice(trimmed[0], trimmed[1]))) continue;
    if (!best || trimmed[1] - trimmed[0] > best[1] - best[0]) best = trimmed;
  }
  if (!best) return null;
  return { ...c, start: best[0], end: best[1] };
}

function trim(text: string, start: number, end: number): Range | null {
  let s = start;
  let e = end;
  while (s < e && /[\s,;:]/u.test(text[s] ?? '')) s++;
  while (e > s && /[\s,;:]/u.test(text[e - 1] ?? '')) e--;
  return e > s ? [s, e] : null;
}

const JOINABLE_GAP = /^(?:[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?)$/u;

export function mergeSpans(
  text: string,
  candidates: MergeInput[],
  placeholders: Candidate[],
  protectedRanges: Range[],
): Candidate[] {
  const blocked = [...protectedRanges];
  const kept: Candidate[] = [];
  const placeholderRanges: Range[] = placeholders.map((p) => [p.start, p.end]);
  for (const c of candidates) {
    let span: MergeInput | null = c;
    if ((c.weak || c.source === 'model') && blocked.length > 0) span = subtract(c, blocked, text);
    if (span && placeholderRanges.length > 0) span = subtract(span, placeholderRanges, text);
    if (span) kept.push(span);
  }
  kept.sort((a, b) => a.start - b.start || b.end - a.end);

  const merged: Candidate[] = [];
  for (const c of kept) {
    const last = merged[merged.length - 1];
    if (last && c.start < last.end) {
      const winner = better(c, last) ? c : last;
      merged[merged.length - 1] = {
        start: last.start,
        end: Math.max(last.end, c.end),
        category: winner.category,
        source: winner.source,
        confidence: Math.max(last.confidence, c.confidence),
      };
      continue;
    }
    if (
      last &&
      last.category === c.category &&
      (c.category === 'NAME' || c.category === 'LOCATION') &&
      JOINABLE_GAP.test(text.slice(last.end, c.start))
    ) {
      merged[merged.length - 1] = {
        ...last,
        end: c.end,
        source: better(c, last) ? c.source : last.source,
        confidence: Math.max(last.confidence, c.confidence),
      };
      continue;
    }
    merged.push({ ...c });
  }
  return [...merged, ...placeholders].sort((a, b) => a.start - b.start);
}
