/** Redactions a previous de-identification left in the text: recognised, kept verbatim, never re-mangled. */
import type { Candidate } from './types.ts';

/**
 * `___` (public MIMIC-CXR), `XXXX` (Open-i), `[**Name**]` (i2b2 / MIMIC-III) and our own category tags.
 * Runs of more than 12 underscores are layout (the line between an addendum and its report), not redactions.
 */
const PLACEHOLDER =
  /(?<!_)_{2,12}(?!_)|(?<![\p{L}\p{N}])X{3,}(?:-X+)*(?![\p{L}\p{N}])|\[\*\*[^\]\n]{0,120}?\*\*\]|\[(?:NAME|DATE|AGE|ID|CONTACT|LOCATION|REDACTED)\]/gu;

/** The placeholder pattern, fresh (global: its own lastIndex), for callers outside de-identification (SFT). */
export function placeholderPattern(): RegExp {
  return new RegExp(PLACEHOLDER);
}

/** A character no rule treats as a word, a space or a digit: placeholders are masked with it. */
export const MASK = '\u0001';

export function findPlaceholders(text: string): { spans: Candidate[]; masked: string } {
  const spans: Candidate[] = [];
  let masked = '';
  let at = 0;
  PLACEHOLDER.lastIndex = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    spans.push({
      start: m.index,
      end: m.index + m[0].length,
      category: 'REDACTED',
      source: 'placeholder',
      confidence: 1,
    });
    masked += text.slice(at, m.index) + MASK.repeat(m[0].length);
    at = m.index + m[0].length;
  }
  if (spans.length === 0) return { spans, masked: text };
  return { spans, masked: masked + text.slice(at) };
}
