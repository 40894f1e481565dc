/**
 * Scores the labeler on a gold set of sentences (test/fixtures/labeler/gold.tsv): per observation, F1 for
 * mention (any state), negation and uncertainty, the way the CheXpert paper reports its labeler.
 */
import { aggregate, labelSentence, type MentionState } from './label.ts';
import { sentences } from './sentences.ts';
import { OBSERVATIONS, type Observation } from './phrases.ts';

export const CODES: Record<string, Observation> = {
  EC: 'Enlarged Cardiomediastinum',
  CM: 'Cardiomegaly',
  LL: 'Lung Lesion',
  LO: 'Lung Opacity',
  ED: 'Edema',
  CO: 'Consolidation',
  PN: 'Pneumonia',
  AT: 'Atelectasis',
  PX: 'Pneumothorax',
  PE: 'Pleural Effusion',
  PO: 'Pleural Other',
  FX: 'Fracture',
  SD: 'Support Devices',
};
const STATE: Record<string, MentionState> = { '+': 'positive', '-': 'negative', '?': 'uncertain' };

export interface GoldSentence {
  line: number;
  category: string;
  text: string;
  expected: Map<Observation, MentionState>;
}

/** Parses the gold file; a malformed line is an error naming its line number. */
export function parseGold(text: string): GoldSentence[] {
  const out: GoldSentence[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '' || raw.startsWith('#')) return;
    const [category, sentence, states, extra] = raw.split('\t');
    if (!category || !sentence || states === undefined || extra !== undefined)
      throw new Error(`gold line ${i + 1}: expected category, sentence and states separated by tabs`);
    const expected = new Map<Observation, MentionState>();
    if (states.trim() !== '.') {
      for (const tok of states.trim().split(/\s+/u)) {
        const obs = CODES[tok.slice(0, 2)];
        const state = STATE[tok.slice(2)];
        if (!obs || !state || tok.length !== 3) throw new Error(`gold line ${i + 1}: bad state "${tok}"`);
        expected.set(obs, state);
      }
    }
    out.push({ line: i + 1, category, text: sentence, expected });
  });
  return out;
}

export interface F1 {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}
export interface ObservationScore {
  mention: F1;
  negation: F1;
  uncertainty: F1;
  positive: F1;
}
export interface LabelerEvaluation {
  sentences: number;
  perObservation: Record<Observation, ObservationScore>;
  overall: ObservationScore;
  /** Sentences where the labeler's states differ from the gold, with both (gold text is not PHI). */
  errors: { line: number; category: string; text: string; expected: string; got: string }[];
}

const zero = (): F1 => ({ tp: 0, fp: 0, fn: 0, precision: 1, recall: 1, f1: 1 });
const score = (): ObservationScore => ({
  mention: zero(),
  negation: zero(),
  uncertainty: zero(),
  positive: zero(),
});

function count(f: F1, gold: boolean, got: boolean): void {
  if (gold && got) f.tp++;
  else if (got) f.fp++;
  else if (gold) f.fn++;
}

function finish(f: F1): void {
  f.precision = f.tp + f.fp === 0 ? 1 : f.tp / (f.tp + f.fp);
  f.recall = f.tp + f.fn === 0 ? 1 : f.tp / (f.tp + f.fn);
  f.f1 = f.precision + f.recall === 0 ? 0 : (2 * f.precision * f.recall) / (f.precision + f.recall);
}

const INV: Record<MentionState, string> = { positive: '+', negative: '-', uncertain: '?' };
const CODE_OF = new Map(Object.entries(CODES).map(([c, o]) => [o, c]));
const show = (m: Map<Observation, MentionState>) =>
  [...m].map(([o, s]) => `${CODE_OF.get(o)}${INV[s]}`).join(' ') || '.';

export function evaluateLabeler(gold: readonly GoldSentence[]): LabelerEvaluation {
  const per = Object.fromEntries(OBSERVATIONS.map((o) => [o, score()])) as Record<
    Observation,
    ObservationScore
  >;
  const overall = score();
  const errors: LabelerEvaluation['errors'] = [];
  for (const g of gold) {
    const got = new Map<Observation, MentionState>();
    for (const [o, v] of aggregate(sentences(g.text).flatMap((s) => labelSentence(s)))) {
      if (o === 'No Finding') continue;
      got.set(o as Observation, v === 1 ? 'positive' : v === 0 ? 'negative' : 'uncertain');
    }
    for (const o of OBSERVATIONS) {
      const e = g.expected.get(o);
      const a = got.get(o);
      for (const s of [per[o], overall]) {
        count(s.mention, e !== undefined, a !== undefined);
        count(s.negation, e === 'negative', a === 'negative');
        count(s.uncertainty, e === 'uncertain', a === 'uncertain');
        count(s.positive, e === 'positive', a === 'positive');
      }
    }
    const sorted = (m: Map<Observation, MentionState>) =>
      new Map([...m].sort(([a], [b]) => OBSERVATIONS.indexOf(a) - OBSERVATIONS.indexOf(b)));
    if (show(sorted(got)) !== show(sorted(g.expected)))
      errors.push({
        line: g.line,
        category: g.category,
        text: g.text,
        expected: show(sorted(g.expected)),
        got: show(sorted(got)),
      });
  }
  for (const s of [...Object.values(per), overall]) for (const f of Object.values(s)) finish(f);
  return { sentences: gold.length, perObservation: per, overall, errors };
}
