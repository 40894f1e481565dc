/**
 * The report labeler: per sentence, mentions of the CheXpert observations with a state (positive, negative,
 * uncertain) and attributes (severity, laterality, location, change); per report, the CheXpert aggregation
 * (positive over uncertain over negative; "No Finding" when no pathology is positive or uncertain).
 *
 * Scope works the way the CheXpert labeler and NegBio describe it, with phrases instead of a parse tree: a
 * sentence is cut into clauses at scope terminators ("but", "however", ";", "which", …); in its clause a
 * mention takes the nearest preceding negation or uncertainty cue (so "no effusion, pneumothorax or
 * consolidation" negates the whole list and "possible atelectasis, no effusion" keeps both right); a
 * following cue ("… has resolved", "… is not seen", "… cannot be excluded") applies when no cue stands in
 * between; pre-negation uncertainty ("cannot be excluded", "no new", "not ruled out") is a cue that only
 * ever makes a mention uncertain and, after a mention, outranks a negation, which is how a double negation
 * reads as uncertain; pseudo-negations ("no change in …") are not cues.
 */
import {
  phrases,
  type Change,
  type Compiled,
  type Laterality,
  type Observation,
  type Severity,
} from './phrases.ts';
import { sentences } from './sentences.ts';

/** A label's four states: 1 positive, 0 negative, -1 uncertain, null not mentioned (as the labels table). */
export type LabelValue = 1 | 0 | -1 | null;

export type MentionState = 'positive' | 'negative' | 'uncertain';

export interface Mention {
  observation: Observation;
  state: MentionState;
  /** Offsets in the sentence. */
  start: number;
  end: number;
  severity: Severity | null;
  laterality: Laterality | null;
  location: string | null;
  change: Change | null;
}

interface Span {
  start: number;
  end: number;
}
interface Cue extends Span {
  /** A hedge is a pre-negation uncertainty cue ("cannot be excluded", "no new"): uncertain, never negative. */
  kind: 'negation' | 'uncertainty' | 'hedge';
  text: string;
}

/** Matches of a global expression (an exec loop: a matchAll iterator costs a third of the labeler's time). */
function spans(re: RegExp, text: string): (Span & { text: string })[] {
  re.lastIndex = 0;
  const out: (Span & { text: string })[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push({ start: m.index, end: m.index + m[0].length, text: m[0] });
  }
  return out;
}

const overlaps = (a: Span, list: readonly Span[]) => list.some((b) => a.start < b.end && b.start < a.end);

/** Index of the clause a position falls in: the number of scope terminators that start at or before it. */
function clauseAt(bounds: readonly number[], pos: number): number {
  let n = 0;
  for (const b of bounds) if (b <= pos) n++;
  return n;
}

function nearestBefore<T extends Span>(list: readonly T[], pos: number, from: number): T | null {
  let best: T | null = null;
  for (const s of list) if (s.end <= pos && s.start >= from && (!best || s.end > best.end)) best = s;
  return best;
}

function nearestAfter<T extends Span>(list: readonly T[], pos: number, to: number): T | null {
  let best: T | null = null;
  for (const s of list) if (s.start >= pos && s.end <= to && (!best || s.start < best.start)) best = s;
  return best;
}

/** The attribute word nearest to the mention inside its clause: before it first, else after it. */
/** Every attribute word of one class in the sentence, found once per sentence. */
function keyed<K extends string>(table: readonly [K, RegExp][], text: string): (Span & { key: K })[] {
  return table.flatMap(([key, re]) => spans(re, text).map((s) => ({ ...s, key })));
}

function attribute<K extends string>(
  found: readonly (Span & { key: K })[],
  m: Span,
  clause: Span,
  skip: readonly Span[],
): K | null {
  let best: { key: K; distance: number } | null = null;
  for (const s of found) {
    if (s.start < clause.start || s.end > clause.end || overlaps(s, skip)) continue;
    // Inside the mention ("heart is mildly enlarged") counts as nearest.
    const distance = s.end <= m.start ? m.start - s.end : s.start >= m.end ? s.start - m.end + 0.5 : 0;
    if (!best || distance < best.distance) best = { key: s.key, distance };
  }
  return best?.key ?? null;
}

/** Mentions in one sentence, in order. */
export function labelSentence(sentence: string, p: Compiled = phrases()): Mention[] {
  const text = sentence;
  const found: (Span & { observation: Observation; fixed: 'negative' | 'uncertain' | null })[] = [];
  for (const { observation, re, unmention } of p.mentions) {
    re.lastIndex = 0;
    if (!re.test(text)) continue;
    const not = spans(unmention, text);
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const span = { start: m.index, end: m.index + m[0].length };
      if (overlaps(span, not)) continue;
      found.push({ ...span, observation, fixed: m[1] ? 'negative' : m[2] ? 'uncertain' : null });
    }
  }
  if (found.length === 0) return [];
  found.sort((a, b) => a.start - b.start || a.end - b.end);

  const pseudo = spans(p.pseudoNegation, text);
  const hedges = [...spans(p.hedgePre, text), ...spans(p.hedgePost, text)].filter(
    (s) => !overlaps(s, pseudo),
  );
  const blocked = [...pseudo, ...hedges, ...found];
  const cues = (re: RegExp, kind: Cue['kind']): Cue[] =>
    spans(re, text)
      .filter((s) => !overlaps(s, blocked))
      .map((s) => ({ ...s, kind }));
  const asHedge = (re: RegExp): Cue[] =>
    spans(re, text)
      .filter((s) => !overlaps(s, pseudo))
      .map((s) => ({ ...s, kind: 'hedge' }));
  const pre = [
    ...cues(p.negationPre, 'negation'),
    ...cues(p.uncertaintyPre, 'uncertainty'),
    ...asHedge(p.hedgePre),
  ];
  const post = [
    ...cues(p.negationPost, 'negation'),
    ...cues(p.uncertaintyPost, 'uncertainty'),
    ...asHedge(p.hedgePost),
  ];
  const bounds = spans(p.scopeEnd, text)
    .filter((s) => !overlaps(s, found))
    .map((s) => s.start);
  const clauseSpan = (i: number): Span => ({
    start: i === 0 ? 0 : bounds[i - 1]!,
    end: i < bounds.length ? bounds[i]! : text.length,
  });
  const changeSkip = [...found, ...hedges];
  const changes = keyed(p.change, text);
  const severities = keyed(p.severity, text);
  const sides = keyed(p.laterality, text);
  const places = spans(p.location, text).map((s) => ({ ...s, key: s.text.toLowerCase() }));

  return found.map((m, i) => {
    const clause = clauseSpan(clauseAt(bounds, m.start));
    // Attributes come from the stretch between the neighbouring mentions, inside the clause.
    const own = {
      start: Math.max(clause.start, found[i - 1]?.end ?? 0),
      end: Math.min(clause.end, found[i + 1]?.start ?? text.length),
    };
    const before = nearestBefore(pre, m.start, clause.start);
    const next = nearestAfter(post, m.end, clause.end);
    // A cue of its own in between ("effusion, no pneumothorax is seen") keeps a later cue from reaching back;
    // a hedge after the mention ("opacity, atelectasis versus consolidation") reaches only its neighbour.
    const between = (s: Span) => next !== null && s.start >= m.end && s.start < next.start;
    const after =
      next && !pre.some(between) && (next.kind === 'negation' || !found.some(between)) ? next : null;
    let state: MentionState;
    if (m.fixed) state = m.fixed;
    else if (after?.kind === 'hedge') state = 'uncertain';
    else if (after?.kind === 'negation') state = 'negative';
    else if (before) state = before.kind === 'negation' ? 'negative' : 'uncertain';
    else if (after) state = 'uncertain';
    else state = 'positive';
    const resolvedCue = [before, after].some(
      (c) => c?.kind === 'negation' && /resol|longer|remov|clear/iu.test(c.text),
    );
    const change = resolvedCue ? 'resolved' : attribute(changes, m, own, changeSkip);
    return {
      observation: m.observation,
      state,
      start: m.start,
      end: m.end,
      severity: attribute(severities, m, own, []),
      laterality: attribute(sides, m, own, []),
      location: attribute(places, m, own, []),
      change,
    };
  });
}

export interface LabeledReport {
  /** Per sentence: the sentence and its mentions. */
  sentences: { text: string; mentions: Mention[] }[];
  /** Aggregated per observation (absent = not mentioned), plus 'No Finding'. */
  labels: Map<string, LabelValue>;
}

const VALUE: Record<MentionState, 1 | 0 | -1> = { positive: 1, uncertain: -1, negative: 0 };
const RANK = new Map<LabelValue, number>([
  [1, 3],
  [-1, 2],
  [0, 1],
]);

/** Aggregates mentions the CheXpert way: positive over uncertain over negative. */
export function aggregate(mentions: Iterable<Mention>): Map<string, LabelValue> {
  const labels = new Map<string, LabelValue>();
  for (const m of mentions) {
    const v = VALUE[m.state];
    const had = labels.get(m.observation);
    if (had === undefined || (RANK.get(v) ?? 0) > (RANK.get(had) ?? 0)) labels.set(m.observation, v);
  }
  const sick = [...labels].some(([o, v]) => o !== 'Support Devices' && (v === 1 || v === -1));
  if (!sick) labels.set('No Finding', 1);
  return labels;
}

/** Labels a report (or any text): its sentences, their mentions and the aggregated labels. */
export function labelReport(text: string): LabeledReport {
  const p = phrases();
  const out = sentences(text).map((s) => ({ text: s, mentions: labelSentence(s, p) }));
  return { sentences: out, labels: aggregate(out.flatMap((s) => s.mentions)) };
}
