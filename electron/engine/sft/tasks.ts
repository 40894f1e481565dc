/**
 * The task library: each task turns a study (or an image, or a pair of studies) into candidate samples.
 * Report tasks take de-identified sections through the target hygiene; label tasks are answered by small
 * programs over the labels (MIMIC-CXR-VQA style), so their answers are exactly what the labelers said.
 */
import type { SftTask } from '../../api/sft.ts';
import { labelReport, type Change } from '../labeler/index.ts';
import { capitalise, displayName, labelFill } from './display.ts';
import { NO_ABNORMALITY } from './faithfulness.ts';
import { observationOf, reportText, type LabelView } from './labels.ts';
import type { SftRecipe } from './recipe.ts';
import type { Seeded } from './rng.ts';
import type { ImageRec, StudyRec } from './source.ts';
import { cleanText } from './text.ts';

export interface Candidate {
  task: SftTask;
  templateId: string;
  generator: string;
  instruction: string;
  response: string;
  images: ImageRec[];
  studies: StudyRec[];
  /** The label source answers came from, when any. */
  labelSource: string | null;
  /** From a "No Finding" / "normal" study (the cap applies). */
  normal: boolean;
  /** Distinguishes several samples of one task on the same images (the closed question's label). */
  discriminator: string;
  /** A section target's source text (before hygiene), for the gate's missing-positive check. */
  sourceText?: string;
  /** A classification's correct options (label names). */
  correct?: string[];
}

/** Records a candidate that never became one: its reason and, where there is one, the text it came from. */
export type Drop = (reason: string, detail?: { study: StudyRec; text?: string }) => void;

const LATERAL = /^(?:LATERAL|LAT|LL|RL|L)$/iu;

/** The frontal image a report task shows: PA, then AP, then any other non-lateral view, then any. */
export function frontalImage(study: StudyRec): ImageRec | null {
  const rank = (im: ImageRec) => {
    const v = (im.viewPosition ?? '').toUpperCase();
    if (v === 'PA') return 0;
    if (v.startsWith('AP')) return 1;
    if (v !== '' && !LATERAL.test(v)) return 2;
    if (v === '') return 3;
    return 4;
  };
  const sorted = [...study.images].sort((a, b) => rank(a) - rank(b) || a.id - b.id);
  const best = sorted[0];
  return best && rank(best) < 4 ? best : null;
}

export function viewAnswer(view: string | null): string | null {
  const v = (view ?? '').toUpperCase();
  if (v === 'PA') return 'Posteroanterior (PA).';
  if (v.startsWith('AP')) return 'Anteroposterior (AP).';
  if (LATERAL.test(v)) return 'Lateral.';
  return null;
}

export function listText(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export interface TaskContext {
  recipe: SftRecipe;
  seeded: Seeded;
  padchestVocabulary: string[];
  drop: Drop;
}

function template(
  ctx: TaskContext,
  task: SftTask,
  about: string,
  fill: Record<string, string> = {},
): { templateId: string; instruction: string } {
  const pool = ctx.recipe.templates[task];
  const i = ctx.seeded.index(`template:${task}:${about}`, pool.length);
  const instruction = pool[i]!.replace(/\{(\w+)\}/gu, (m, k: string) => fill[k] ?? m);
  return { templateId: `${task}#${i}`, instruction };
}

const base = (task: SftTask) => ({ task, generator: 'template', labelSource: null, discriminator: '' });

/** Findings, findings with the indication, impression, findings → impression. */
export function reportTasks(study: StudyRec, ctx: TaskContext, normal: boolean): Candidate[] {
  const out: Candidate[] = [];
  const r = study.report;
  if (!r) return out;
  const frontal = frontalImage(study);
  const policy = ctx.recipe.redactions;
  const clean = (text: string | undefined, singleImage: boolean, task: SftTask) => {
    if (!text) return null;
    const c = cleanText(text, { singleImage, redactions: policy });
    if ('dropped' in c) {
      ctx.drop(`${task}:${c.dropped}`, { study, text });
      return null;
    }
    return c.text;
  };
  if (frontal) {
    const findings = clean(r.findings, true, 'findings');
    if (findings) {
      out.push({
        ...base('findings'),
        ...template(ctx, 'findings', study.uid),
        response: findings,
        images: [frontal],
        studies: [study],
        normal,
        sourceText: r.findings!,
      });
      const indication = clean(r.indication, false, 'findings_with_indication');
      if (indication) {
        out.push({
          ...base('findings_with_indication'),
          ...template(ctx, 'findings_with_indication', study.uid, { indication }),
          response: findings,
          images: [frontal],
          studies: [study],
          normal,
          sourceText: r.findings!,
        });
      }
    }
    const impression = clean(r.impression, true, 'impression');
    if (impression) {
      out.push({
        ...base('impression'),
        ...template(ctx, 'impression', study.uid),
        response: impression,
        images: [frontal],
        studies: [study],
        normal,
        sourceText: r.impression!,
      });
    }
  }
  // Text only, both sides from one report: comparison wording and recommendations are part of the summary.
  const fin = clean(r.findings, false, 'summarization');
  const imp = fin ? clean(r.impression, false, 'summarization') : null;
  if (fin && imp) {
    out.push({
      ...base('summarization'),
      ...template(ctx, 'summarization', study.uid, { findings: fin }),
      response: imp,
      images: [],
      studies: [study],
      normal,
    });
  }
  return out;
}

/**
 * Closed VQA, open VQA and multi-label classification, answered from the labels. Every classification has
 * at least one wrong option, drawn from the labels the study states as absent.
 */
export function labelTasks(study: StudyRec, labels: LabelView, ctx: TaskContext): Candidate[] {
  const frontal = frontalImage(study);
  if (!frontal) return [];
  const out: Candidate[] = [];
  const common = { images: [frontal], studies: [study], labelSource: labels.source, normal: labels.normal };
  const asked = ctx.seeded
    .shuffle(
      `closed:${study.uid}`,
      [
        ...labels.positives.map((l) => [l, 'Yes.'] as const),
        ...labels.negatives.map((l) => [l, 'No.'] as const),
      ],
      ([l]) => l,
    )
    .slice(0, ctx.recipe.closedVqaPerStudy);
  for (const [label, answer] of asked) {
    out.push({
      ...base('closed_vqa'),
      ...common,
      ...template(ctx, 'closed_vqa', `${study.uid}:${label}`, labelFill(label)),
      response: answer,
      discriminator: label,
    });
  }
  if (labels.positives.length > 0 || labels.normal) {
    const found = [...labels.positives].sort().map(displayName);
    out.push({
      ...base('open_vqa'),
      ...common,
      ...template(ctx, 'open_vqa', study.uid),
      response: found.length > 0 ? `${capitalise(listText(found))}.` : NO_ABNORMALITY,
    });
  }
  const n = ctx.recipe.classificationOptions;
  if (labels.negatives.length === 0) {
    if (labels.positives.length > 0 || labels.normal) {
      const present = labels.positives.map(displayName).join(', ') || 'none (read as normal)';
      ctx.drop('classification:no-negative-labels', {
        study,
        text: `Labels (${labels.source}): present ${present}; none stated absent, so no wrong option exists.`,
      });
    }
    return out;
  }
  const pos = ctx.seeded.shuffle(`cls-pos:${study.uid}`, labels.positives).slice(0, n - 1);
  const noneOption = pos.length === 0 && labels.normal ? ['No Finding'] : [];
  if (pos.length === 0 && noneOption.length === 0) return out;
  const neg = ctx.seeded
    .shuffle(`cls-neg:${study.uid}`, labels.negatives)
    .slice(0, Math.max(1, n - pos.length - noneOption.length));
  const options = ctx.seeded.shuffle(`cls-order:${study.uid}`, [...pos, ...neg, ...noneOption]);
  const letters = options.map((_, i) => String.fromCharCode(65 + i));
  const shown = (o: string) => capitalise(displayName(o));
  const text = options.map((o, i) => `${letters[i]}. ${shown(o)}`).join(' ');
  const correct = options
    .map((o, i) => [o, letters[i]!] as const)
    .filter(([o]) => pos.includes(o) || noneOption.includes(o));
  out.push({
    ...base('classification'),
    ...common,
    ...template(ctx, 'classification', study.uid, { options: text }),
    response: correct.map(([o, l]) => `${l}. ${shown(o)}`).join(', '),
    correct: correct.map(([o]) => o),
  });
  return out;
}

export function viewTasks(study: StudyRec, ctx: TaskContext): Candidate[] {
  const out: Candidate[] = [];
  for (const im of study.images) {
    const answer = viewAnswer(im.viewPosition);
    if (!answer) continue;
    out.push({
      ...base('view'),
      ...template(ctx, 'view', im.sopUid),
      response: answer,
      images: [im],
      studies: [study],
      normal: false,
    });
  }
  return out;
}

/** PADCHEST localizations ('loc basal', 'loc  cardiac') as a where-question about the study. */
export function localizationTasks(study: StudyRec, labels: LabelView | null, ctx: TaskContext): Candidate[] {
  const locs = [...(study.labels.get('padchest-localization')?.keys() ?? [])]
    .map((l) =>
      l
        .replace(/^loc\s+/u, '')
        .replace(/\s+/gu, ' ')
        .trim(),
    )
    .filter((l) => l !== '')
    .sort();
  const frontal = frontalImage(study);
  if (locs.length === 0 || !frontal) return [];
  return [
    {
      ...base('localization'),
      ...template(ctx, 'localization', study.uid),
      response: `The findings are located in the following regions: ${listText(locs)}.`,
      images: [frontal],
      studies: [study],
      labelSource: 'padchest-localization',
      normal: labels?.normal ?? false,
    },
  ];
}

const CHANGE_TEXT: Record<Change, string> = {
  new: 'new',
  increased: 'worsened',
  decreased: 'improved',
  stable: 'unchanged',
  resolved: 'resolved',
};
const CHANGE_ORDER: Change[] = ['new', 'increased', 'decreased', 'resolved', 'stable'];

/** The report's own change statements: per observation, the first change a mention of it carries. */
export function reportChanges(study: StudyRec): Map<string, Change> {
  const out = new Map<string, Change>();
  for (const s of labelReport(reportText(study.report)).sentences) {
    for (const m of s.mentions) {
      if (m.change && !out.has(m.observation) && m.state !== 'uncertain') out.set(m.observation, m.change);
    }
  }
  return out;
}

/** Whether a stated change agrees with the explicit states of both studies (a blank is no evidence). */
function consistent(change: Change, before: number | undefined, now: number | undefined): boolean {
  switch (change) {
    case 'new':
      return before !== 1 && now === 1;
    case 'increased':
    case 'stable':
      return before !== 0 && now === 1;
    case 'decreased':
      return before !== 0 && now !== 0 && now !== undefined;
    case 'resolved':
      return before !== 0 && now === 0;
  }
}

/**
 * The current study against the patient's previous one (ordered by study date and time): only what the
 * explicit states of both studies say (absent → present is new, present → absent is resolved) and what the
 * current report itself says changed (improved, worsened, unchanged), when the states agree with it.
 */
export function comparisonTask(
  prior: StudyRec,
  current: StudyRec,
  priorStates: Map<string, 1 | 0 | -1>,
  currentStates: Map<string, 1 | 0 | -1>,
  normal: { prior: boolean; current: boolean; source: string },
  ctx: TaskContext,
): Candidate | null {
  const a = frontalImage(prior);
  const b = frontalImage(current);
  if (!a || !b) return null;
  const stated = reportChanges(current);
  const found = new Map<Change, string[]>();
  const names = new Set([...priorStates.keys(), ...currentStates.keys(), ...stated.keys()]);
  for (const o of [...names].sort()) {
    const before = priorStates.get(o);
    const now = currentStates.get(o);
    let change = stated.get(o) ?? null;
    if (change && !consistent(change, before, now)) change = null;
    if (!change && before === 0 && now === 1) change = 'new';
    if (!change && before === 1 && now === 0) change = 'resolved';
    if (change) found.set(change, [...(found.get(change) ?? []), displayName(observationOf(o) ?? o)]);
  }
  const parts = CHANGE_ORDER.filter((c) => found.has(c)).map(
    (c) => `${CHANGE_TEXT[c]} ${listText(found.get(c)!)}`,
  );
  let response: string;
  if (parts.length > 0) response = `Compared with the prior study: ${parts.join('; ')}.`;
  else if (normal.prior && normal.current) response = 'No abnormality in either study; no change.';
  else {
    ctx.drop('comparison:no-explicit-change', {
      study: current,
      text: 'Neither a change the report states nor an observation explicitly present in one study and absent in the other.',
    });
    return null;
  }
  return {
    ...base('comparison'),
    ...template(ctx, 'comparison', `${prior.uid}>${current.uid}`),
    response,
    images: [a, b],
    studies: [prior, current],
    labelSource: normal.source,
    normal: normal.prior && normal.current,
  };
}
