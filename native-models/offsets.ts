import type { EntitySpan } from './types.ts';

/** A token as the token-classification pipeline reports it: its label, probability and decoded text. */
export interface TaggedToken {
  entity: string;
  score: number;
  word: string;
}

/** Case- and accent-folded text, with the original [start, end) of every folded code unit. */
function fold(text: string): { folded: string; starts: number[]; ends: number[] } {
  let folded = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let i = 0;
  for (const ch of text) {
    const f = ch.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    for (let k = 0; k < f.length; k++) {
      starts.push(i);
      ends.push(i + ch.length);
    }
    folded += f;
    i += ch.length;
  }
  return { folded, starts, ends };
}

function foldPiece(word: string): string {
  return word.replace(/^##/, '').trim().normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * Character offsets of each token in `text`. transformers.js does not return offsets, so tokens are found
 * in order in the folded text (lower case, accents stripped: what BERT-style normalisers do). A token that
 * cannot be found gets null and is left out of spans.
 */
export function alignTokens(
  text: string,
  tokens: readonly TaggedToken[],
): ({ start: number; end: number } | null)[] {
  const { folded, starts, ends } = fold(text);
  let cursor = 0;
  return tokens.map((t) => {
    const piece = foldPiece(t.word);
    if (piece === '') return null;
    const at = folded.indexOf(piece, cursor);
    if (at < 0) return null;
    cursor = at + piece.length;
    return { start: starts[at] ?? 0, end: ends[at + piece.length - 1] ?? text.length };
  });
}

function tagOf(entity: string): { prefix: 'B' | 'I' | 'O'; label: string } {
  if (entity === 'O') return { prefix: 'O', label: 'O' };
  const m = /^([BIES])-(.+)$/.exec(entity);
  if (!m?.[2]) return { prefix: 'I', label: entity };
  return { prefix: m[1] === 'B' || m[1] === 'S' ? 'B' : 'I', label: m[2] };
}

/**
 * Groups tagged tokens into entity spans (BIO/BIOES). Pieces of one word (no gap between them) always stay
 * in one span, so "2021-03-04" is one date even when a model tags each piece B-DATE.
 */
export function groupEntities(text: string, tokens: readonly TaggedToken[]): EntitySpan[] {
  const offsets = alignTokens(text, tokens);
  const spans: { label: string; start: number; end: number; scores: number[] }[] = [];
  let open: (typeof spans)[number] | null = null;
  tokens.forEach((t, i) => {
    const at = offsets[i];
    if (!at) return;
    const { prefix, label } = tagOf(t.entity);
    if (prefix === 'O') {
      open = null;
      return;
    }
    const touching = open !== null && open.label === label && at.start === open.end;
    const continues = open !== null && open.label === label && prefix === 'I';
    if (open && (touching || continues)) {
      open.end = at.end;
      open.scores.push(t.score);
    } else {
      open = { label, start: at.start, end: at.end, scores: [t.score] };
      spans.push(open);
    }
  });
  return spans.map((s) => ({
    label: s.label,
    start: s.start,
    end: s.end,
    text: text.slice(s.start, s.end),
    score: s.scores.reduce((a, b) => a + b, 0) / s.scores.length,
  }));
}
