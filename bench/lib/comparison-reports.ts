/**
 * Generated chest X-ray reports heavy with comparison language (follow-up studies as in MIMIC-CXR), each
 * sentence with the states it truly asserts, for the labeler and SFT-faithfulness benchmarks. Seeded: the
 * same seed gives the same reports.
 */
import { seededRandom } from '../../scripts/seeded-random.ts';

export type TruthState = 1 | 0 | -1;

export interface GeneratedSentence {
  text: string;
  /** Observation → state this sentence asserts (about the current image). */
  truth: Map<string, TruthState>;
  /** Whether the sentence carries comparison language. */
  comparison: boolean;
}

export interface GeneratedReport {
  findings: GeneratedSentence[];
  impression: GeneratedSentence[];
}

interface Obs {
  name: string;
  /** The noun phrase; `a` its article when it takes one. */
  np: string;
  a: '' | 'a ' | 'an ';
  lateral: boolean;
}

const OBS: Obs[] = [
  { name: 'Cardiomegaly', np: 'cardiomegaly', a: '', lateral: false },
  { name: 'Pleural Effusion', np: 'pleural effusion', a: 'a ', lateral: true },
  { name: 'Pneumothorax', np: 'pneumothorax', a: 'a ', lateral: true },
  { name: 'Consolidation', np: 'consolidation', a: '', lateral: true },
  { name: 'Edema', np: 'pulmonary edema', a: '', lateral: false },
  { name: 'Atelectasis', np: 'basilar atelectasis', a: '', lateral: true },
  { name: 'Lung Lesion', np: 'nodule', a: 'a ', lateral: true },
  { name: 'Lung Opacity', np: 'opacity', a: 'an ', lateral: true },
  { name: 'Pleural Other', np: 'pleural thickening', a: '', lateral: true },
  { name: 'Pneumonia', np: 'pneumonia', a: '', lateral: true },
  { name: 'Support Devices', np: 'pacemaker', a: 'a ', lateral: false },
];

const SEVERITY = ['mild', 'small', 'moderate', 'large', 'trace'];
const SIDE = ['right', 'left', 'bilateral'];

type Make = (o: Obs, sev: string, side: string) => [string, TruthState];

/** Sentence shapes: [text, state], and whether they compare with a prior study. */
const STATIC: Make[] = [
  // Every severity word starts with a consonant: "a" when the noun takes an article.
  (o, sev, side) => [`There is ${o.a ? 'a ' : ''}${sev} ${side} ${o.np}.`, 1],
  (o, sev, side) => [`${cap(sev)} ${side} ${o.np}.`, 1],
  (o) => [`No ${o.np}.`, 0],
  (o) => [`There is no ${o.np}.`, 0],
  (o) => [`Possible ${o.np}.`, -1],
  (o) => [`${cap(o.np)} cannot be excluded.`, -1],
];
const COMPARISON: Make[] = [
  (o, sev) => [`${cap(sev)} ${o.np} is stable.`, 1],
  (o, sev, side) => [`${cap(sev)} ${side} ${o.np} is unchanged.`, 1],
  (o, _s, side) => [`There is ${o.a ? 'a ' : ''}new ${side} ${o.np}.`, 1],
  (o) => [`Interval improvement in ${o.np}.`, 1],
  (o, _s, side) => [`Improving ${side} ${o.np}.`, 1],
  (o, _s, side) => [`Resolved ${side} ${o.np}.`, 0],
  (o, sev) => [`Compared to the prior study, there is ${sev} ${o.np}.`, 1],
  (o) => [`The ${o.np} has resolved.`, 0],
  (o, sev) => [`No change in ${sev} ${o.np}.`, 1],
  (o, _s, side) => [`Persistent ${side} ${o.np}.`, 1],
  (o, sev) => [`${cap(sev)} ${o.np}, unchanged since ___.`, 1],
  (o) => [`The ${o.np} has increased in size.`, 1],
  (o) => [`No new ${o.np}.`, 0],
  // A change that is the whole statement: no faithful single-image rewrite exists.
  (o) => [`${cap(o.np)}, previously small, is now moderate.`, 1],
];
const FILLER_COMPARISON = [
  'No interval change.',
  'The lungs remain clear.',
  'Stable appearance of the chest.',
];
const FILLER = [
  'The lungs are otherwise clear.',
  'Osseous structures are intact.',
  'The trachea is midline.',
];
const ADVICE = ['Follow-up chest CT is recommended.', 'Clinical correlation is recommended.'];

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `count` reports; `comparisonShare` of sentences (about) carry comparison language. */
export function comparisonReports(count: number, seed = 1, comparisonShare = 0.5): GeneratedReport[] {
  const rnd = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const sentence = (used: Set<string>): GeneratedSentence => {
    const compare = rnd() < comparisonShare;
    if (rnd() < 0.12) {
      const text = compare ? pick(FILLER_COMPARISON) : pick(FILLER);
      return { text, truth: new Map(), comparison: compare };
    }
    const free = OBS.filter((o) => !used.has(o.name));
    const o = pick(free.length > 0 ? free : OBS);
    used.add(o.name);
    const side = o.lateral ? pick(SIDE) : '';
    const [raw, state] = pick(compare ? COMPARISON : STATIC)(o, pick(SEVERITY), side);
    const text = raw.replace(/\s+/gu, ' ').replace(/ \./gu, '.');
    return { text, truth: new Map([[o.name, state]]), comparison: compare };
  };
  const out: GeneratedReport[] = [];
  for (let i = 0; i < count; i++) {
    const used = new Set<string>();
    const findings = Array.from({ length: 4 + Math.floor(rnd() * 4) }, () => sentence(used));
    const impression = Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => sentence(new Set(used)));
    if (rnd() < 0.25) impression.push({ text: pick(ADVICE), truth: new Map(), comparison: false });
    out.push({ findings, impression });
  }
  return out;
}

/** A report's truth per observation, aggregated the CheXpert way (positive over uncertain over negative). */
export function reportTruth(r: GeneratedReport): Map<string, TruthState> {
  const rank = (v: TruthState) => (v === 1 ? 3 : v === -1 ? 2 : 1);
  const out = new Map<string, TruthState>();
  for (const s of [...r.findings, ...r.impression]) {
    for (const [o, v] of s.truth) {
      const had = out.get(o);
      if (had === undefined || rank(v) > rank(had)) out.set(o, v);
    }
  }
  return out;
}

export const joined = (list: GeneratedSentence[]) => list.map((s) => s.text).join(' ');
