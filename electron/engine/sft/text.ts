/**
 * Target hygiene: sentences, prior-study references and redaction placeholders. A single-image target cannot
 * be learned from one image when it talks about an earlier study, and a placeholder teaches the model to
 * write placeholders.
 */
import type { RedactionPolicy } from './recipe.ts';

/** Words that tie a sentence to an earlier study (CheXinstruct drops these from single-image targets). */
const PRIOR =
  /\b(?:compar(?:ed|ison|e)|prior|previous(?:ly)?|interval(?:ly)?|unchanged|stable|since|again|re-?demonstrat\w*|persist\w*|improv\w*|worsen\w*|resolv\w*|no longer|no change|new|earlier|recent(?:ly)? (?:placed|removed))\b/iu;

/** What a previous de-identification left: our tags, MIMIC's `___`, i2b2's `[** … **]`. */
const PLACEHOLDER = /\[(?:NAME|DATE|AGE|ID|CONTACT|LOCATION|REDACTED)\]|_{2,}|\[\*\*[^\]]*\*\*\]/gu;

export function hasPlaceholder(text: string): boolean {
  PLACEHOLDER.lastIndex = 0;
  return PLACEHOLDER.test(text);
}

export function mentionsPrior(sentence: string): boolean {
  return PRIOR.test(sentence);
}

/** Splits report prose into sentences; list numbers ("1. ") go, decimals ("3.2 cm") and "Dr." stay whole. */
export function sentences(text: string): string[] {
  const flat = text.replace(/\s+/gu, ' ').trim();
  if (flat === '') return [];
  return flat
    .split(/(?<!\b(?:Dr|Mr|Mrs|Ms|St|vs|approx)\.)(?<=[.!?])\s+(?=[A-Z[(]|\d+[.)]\s)/u)
    .map((s) => s.replace(/^\d+[.)]\s+/u, '').trim())
    .filter((s) => /\p{L}/u.test(s));
}

export type CleanResult = { text: string } | { dropped: 'redaction' | 'prior-sentences-only' | 'empty' };

/**
 * Cleans a target (or a text put into an instruction): drops prior-study sentences when `singleImage`, then
 * applies the redaction policy.
 */
export function cleanText(
  text: string,
  opts: { singleImage: boolean; redactions: RedactionPolicy },
): CleanResult {
  let parts = sentences(text);
  if (parts.length === 0) return { dropped: 'empty' };
  if (opts.singleImage) {
    parts = parts.filter((s) => !mentionsPrior(s));
    if (parts.length === 0) return { dropped: 'prior-sentences-only' };
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
  return { text: parts.map((s) => (/[.!?]$/u.test(s) ? s : `${s}.`)).join(' ') };
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
