/**
 * Target hygiene: sentences, prior-study wording, recommendations and redaction placeholders. A single-image
 * target cannot be learned from one image when it talks about an earlier study or the next exam, and a
 * placeholder teaches the model to write placeholders.
 */
import { placeholderPattern } from '../deid-text/placeholders.ts';
import { sentences } from '../labeler/index.ts';
import { rewritePrior, tidy } from './prior.ts';
import type { RedactionPolicy } from './recipe.ts';

export { sentences };
export { CHANGE_WORDS } from './prior.ts';

/** Every placeholder de-identification recognises: our tags, MIMIC's `___`, Open-i's `XXXX`, i2b2's `[** … **]`. */
const PLACEHOLDER = placeholderPattern();

/** Sentences about what to do next or who was told, not about the image. */
export const NOT_ABOUT_IMAGE =
  /\b(?:recommend\w*|advis\w*|suggest(?:ed|s)?\s+(?:a\s+)?(?:follow|correlation|further|repeat|ct|chest\s+ct|dedicated)|follow-?\s?up|clinical(?:ly)?\s+correlat\w*|correlat\w*\s+clinically|discussed\s+with|(?:was|were)\s+(?:communicated|notified|called|paged|informed)|notified|by\s+telephone|by\s+phone|paged)\b/iu;

export function hasPlaceholder(text: string): boolean {
  PLACEHOLDER.lastIndex = 0;
  return PLACEHOLDER.test(text);
}

export type CleanDrop =
  'redaction' | 'prior-sentences-only' | 'prior-unrewritable' | 'not-about-image-only' | 'empty';
export type CleanResult = { text: string } | { dropped: CleanDrop };

/**
 * Cleans a target (or a text put into an instruction). With `singleImage`: recommendations and notices go,
 * prior-study wording is rewritten at the phrase level (a sentence that cannot be rewritten faithfully drops
 * the whole text: leaving it out could leave a finding out); then the redaction policy applies, and what
 * the edits left of the punctuation is tidied.
 */
export function cleanText(
  text: string,
  opts: { singleImage: boolean; redactions: RedactionPolicy },
): CleanResult {
  let parts = sentences(text);
  if (parts.length === 0) return { dropped: 'empty' };
  if (opts.singleImage) {
    const kept: string[] = [];
    let prior = 0;
    for (const whole of parts) {
      // "5 mm nodule; a follow-up CT is recommended." keeps its finding and loses the advice.
      const s = whole
        .split(/;\s*/u)
        .filter((clause) => !NOT_ABOUT_IMAGE.test(clause))
        .join('; ');
      if (s.trim() === '') continue;
      const r = rewritePrior(s);
      if ('unrewritable' in r) return { dropped: 'prior-unrewritable' };
      if ('omit' in r) prior++;
      else kept.push(r.text);
    }
    if (kept.length === 0) return { dropped: prior > 0 ? 'prior-sentences-only' : 'not-about-image-only' };
    parts = kept;
  }
  if (parts.some(hasPlaceholder)) {
    if (opts.redactions === 'drop-sample') return { dropped: 'redaction' };
    if (opts.redactions === 'drop-sentence') {
      parts = parts.filter((s) => !hasPlaceholder(s));
      if (parts.length === 0) return { dropped: 'redaction' };
    } else {
      parts = parts.map((s) => s.replace(PLACEHOLDER, '[REDACTED]'));
    }
  }
  const out = parts.map(tidy).filter((s) => s !== '');
  return out.length === 0 ? { dropped: 'empty' } : { text: out.join(' ') };
}

/** Word tokens, lower case (for overlap and vocabulary checks). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Length of the longest run of consecutive words `a` shares with `b`. */
export function longestSharedRun(a: string, b: string): number {
  const aw = words(a);
  const bw = words(b);
  let best = 0;
  // Dynamic programming over word positions; texts here are a few hundred words at most.
  let prev = new Array<number>(bw.length + 1).fill(0);
  for (let i = 1; i <= aw.length; i++) {
    const cur = new Array<number>(bw.length + 1).fill(0);
    for (let j = 1; j <= bw.length; j++) {
      if (aw[i - 1] === bw[j - 1]) {
        cur[j] = prev[j - 1]! + 1;
        if (cur[j]! > best) best = cur[j]!;
      }
    }
    prev = cur;
  }
  return best;
}
