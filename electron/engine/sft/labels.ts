/**
 * A study's labels in one shape, whichever source they came from: CheXpert / NegBio CSVs, PADCHEST, any
 * manifest's label columns (names mapped to the CheXpert observations where the labeler recognises them,
 * else kept as their own names), and the report labeler's own source for studies that have only a report.
 */
import { labelReport, OBSERVATIONS, phrases, type LabelValue } from '../labeler/index.ts';
import type { SftRecipe } from './recipe.ts';
import type { ReportSections, StudyRec } from './source.ts';

/** The report labeler's label source (stored beside the CSV sources, never over them). */
export const LABELER_SOURCE = 'report-labeler';
/** Sources that are not findings (localizations) or that have their own handling. */
const NOT_FINDINGS = new Set(['padchest-localization', 'padchest', LABELER_SOURCE, 'chexpert', 'negbio']);

export interface LabelView {
  source: string;
  /** Label names as the tasks show them (CheXpert observations, or the source's own names). */
  positives: string[];
  negatives: string[];
  uncertain: string[];
  normal: boolean;
  /** Explicit states per CheXpert observation, for the faithfulness gate and comparisons. */
  states: Map<string, 1 | 0 | -1>;
}

const observationSet = new Set<string>(OBSERVATIONS);
const mapped = new Map<string, string | null>();

/** A label name as a CheXpert observation: the name itself, the PADCHEST map, or one labeler mention. */
export function observationOf(name: string): string | null {
  if (observationSet.has(name) || name === 'No Finding') return name;
  const key = name.trim().toLowerCase();
  const hit = mapped.get(key);
  if (hit !== undefined) return hit;
  let out: string | null = phrases().padchestMap.get(key) ?? null;
  if (!out) {
    if (key === 'normal' || key === 'no finding' || key === 'no findings') out = 'No Finding';
    else {
      const found = [...labelReport(name).labels].filter(([o, v]) => o !== 'No Finding' && v === 1);
      out = found.length === 1 ? found[0]![0] : null;
    }
  }
  mapped.set(key, out);
  return out;
}

/** The report text the labeler reads: findings and impression, else the last paragraph. */
export function reportText(r: ReportSections | null): string {
  if (!r) return '';
  const main = [r.findings, r.impression].filter((t): t is string => !!t && t.trim() !== '');
  return (main.length > 0 ? main : [r.last_paragraph ?? '']).join('\n');
}

/** The labeler's labels of a study's report (absent when it has none). */
export function labelerLabels(study: StudyRec): Map<string, LabelValue> | null {
  const text = reportText(study.report);
  if (text.trim() === '') return null;
  return labelReport(text).labels;
}

function applyUncertain(value: LabelValue, recipe: SftRecipe): LabelValue {
  if (value !== -1) return value;
  return recipe.uncertain === 'positive' ? 1 : recipe.uncertain === 'negative' ? 0 : -1;
}

function fromValues(
  source: string,
  values: Map<string, LabelValue>,
  recipe: SftRecipe,
  rename: (n: string) => string,
): LabelView {
  const view: LabelView = {
    source,
    positives: [],
    negatives: [],
    uncertain: [],
    normal: false,
    states: new Map(),
  };
  for (const [raw, value] of values) {
    const name = rename(raw);
    const obs = observationOf(name);
    if (obs === 'No Finding') {
      if (value === 1) view.normal = true;
      continue;
    }
    if (value === null) continue;
    if (obs) view.states.set(obs, value);
    const v = applyUncertain(value, recipe);
    (v === 1 ? view.positives : v === 0 ? view.negatives : view.uncertain).push(name);
  }
  return view;
}

/**
 * The labels the label tasks use for a study: the recipe's CSV labeler, the other CSV, PADCHEST, any other
 * (manifest) source, then the report labeler. `padchestVocabulary` gives a normal PADCHEST study its
 * explicit negatives (PADCHEST lists only what is present).
 */
export function labelView(
  study: StudyRec,
  recipe: SftRecipe,
  padchestVocabulary: string[],
): LabelView | null {
  const other = recipe.labeler === 'chexpert' ? 'negbio' : 'chexpert';
  for (const source of [recipe.labeler, other]) {
    const m = study.labels.get(source);
    if (m) return fromValues(source, m, recipe, (n) => n);
  }
  const pad = study.labels.get('padchest');
  if (pad && pad.size > 0) {
    const view = fromValues('padchest', pad, recipe, (n) => n);
    view.normal = pad.has('normal');
    if (view.normal) {
      view.negatives = padchestVocabulary.filter((n) => !view.positives.includes(n));
      for (const n of view.negatives) {
        const o = observationOf(n);
        if (o && o !== 'No Finding' && !view.states.has(o)) view.states.set(o, 0);
      }
    }
    return view;
  }
  const manifest = [...study.labels.keys()].filter((s) => !NOT_FINDINGS.has(s)).sort()[0];
  if (manifest) {
    // A manifest's names become observations where the labeler knows them ("Pulmonary Atelectasis").
    const view = fromValues(manifest, study.labels.get(manifest)!, recipe, (n) => {
      const o = observationOf(n);
      return o && o !== 'No Finding' ? o : n;
    });
    return dedupe(view);
  }
  const own = study.labels.get(LABELER_SOURCE);
  return own ? fromValues(LABELER_SOURCE, own, recipe, (n) => n) : null;
}

/** Two manifest names mapped to one observation count once, positive first. */
function dedupe(v: LabelView): LabelView {
  const positives = [...new Set(v.positives)];
  const uncertain = [...new Set(v.uncertain)].filter((n) => !positives.includes(n));
  const negatives = [...new Set(v.negatives)].filter((n) => !positives.includes(n) && !uncertain.includes(n));
  return { ...v, positives, uncertain, negatives };
}

/**
 * The study's states the gate and comparisons hold targets to: the labels of its source (CSV, PADCHEST,
 * manifest) where they have a value, the labeler on the full report for every observation they leave blank.
 */
export function studyStates(study: StudyRec, view: LabelView | null): Map<string, 1 | 0 | -1> {
  const out = new Map<string, 1 | 0 | -1>();
  for (const [n, v] of study.labels.get(LABELER_SOURCE) ?? [])
    if (v !== null && n !== 'No Finding') out.set(n, v);
  if (view && view.source !== LABELER_SOURCE) for (const [o, v] of view.states) out.set(o, v);
  return out;
}
