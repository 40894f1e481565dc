import type { ReviewSpan } from './api.ts';

export type Segment = { text: string; span: ReviewSpan | null };

/** A report's text cut at its spans, in order; an overlapping span is left out (the first one wins). */
export function spanSegments(text: string, spans: readonly ReviewSpan[]): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < at) continue;
    if (s.start > at) out.push({ text: text.slice(at, s.start), span: null });
    out.push({ text: text.slice(s.start, s.end), span: s });
    at = s.end;
  }
  out.push({ text: text.slice(at), span: null });
  return out;
}
