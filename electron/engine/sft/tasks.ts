/**
 * The task library: each task turns a study (or an image, or a pair of studies) into candidate samples.
 * Report tasks take de-identified sections through the target hygiene; label tasks are answered by small
 * programs over the labels (MIMIC-CXR-VQA style), so their answers are exactly what the labelers said.
 */
import type { SftTask } from '../../api/sft.ts';
import type { SftRecipe } from './recipe.ts';
import type { Seeded } from './rng.ts';
import type { ImageRec, LabelValue, StudyRec } from './source.ts';
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
}

/** A study's labels in one shape, whichever source they came from. */
export interface LabelView {
  source: string;
  positives: string[];
  negatives: string[];
  normal: boolean;
}

export type Drop = (reason: string) => void;

const NO_FINDING = new Set(['No Finding', 'normal']);

/** Readable label: words in lower case, acronyms (COPD) kept. */
export function labelText(name: string): string {
  return name
    .split(/\s+/u)
    .map((w) => (w.length > 1 && w === w.toUpperCase() ? w : w.toLowerCase()))
    .join(' ');
}

export function labelView(
  study: StudyRec,
  recipe: SftRecipe,
  padchestVocabulary: string[],
): LabelView | null {
  const other = recipe.labeler === 'chexpert' ? 'negbio' : 'chexpert';
  for (const source of [recipe.labeler, other]) {
    const m = study.labels.get(source);
    if (!m) continue;
    const positives: string[] = [];
    const negatives: string[] = [];
    for (const [name, value] of m) {
      if (NO_FINDING.has(name)) continue;
      const v: LabelValue =
        value === -1
          ? recipe.uncertain === 'positive'
            ? 1
            : recipe.uncertain === 'negative'
              ? 0
              : -1
          : value;
      if (v === 1) positives.push(name);
      else if (v === 0) negatives.push(name);
    }
    return { source, positives, negatives, normal: m.get('No Finding') === 1 };
  }
  const pad = study.labels.get('padchest');
  if (pad && pad.size > 0) {
    const names = [...pad.keys()];
    const normal = names.includes('normal');
    const positives = names.filter((n) => !NO_FINDING.has(n));
    // PADCHEST lists what is present; only a study read as normal says the others are absent.
    const negatives = normal ? padchestVocabulary.filter((n) => !positives.includes(n)) : [];
    return { source: 'padchest', positives, negatives, normal };
  }
  return null;
}

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

function listText(items: string[]): string {
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
      ctx.drop(`${task}:${c.dropped}`);
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
      });
    }
  }
  // Text only: the findings already say what the image shows.
  const fin = clean(r.findings, true, 'summarization');
  const imp = fin ? clean(r.impression, true, 'summarization') : null;
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

/** Closed VQA, open VQA and multi-label classification, answered from the labels. */
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
      ...template(ctx, 'closed_vqa', `${study.uid}:${label}`, { label: labelText(label) }),
      response: answer,
      discriminator: label,
    });
  }
  if (labels.positives.length > 0 || labels.normal) {
    const found = [...labels.positives].sort().map(labelText);
    out.push({
      ...base('open_vqa'),
      ...common,
      ...template(ctx, 'open_vqa', study.uid),
      response: found.length > 0 ? `${capitalise(listText(found))}.` : 'No abnormality is identified.',
    });
  }
  const n = ctx.recipe.classificationOptions;
  const pos = ctx.seeded.shuffle(`cls-pos:${study.uid}`, labels.positives).slice(0, n - 1);
  const noneOption = pos.length === 0 ? ['No Finding'] : [];
  if (pos.length > 0 || labels.normal) {
    const neg = ctx.seeded
      .shuffle(`cls-neg:${study.uid}`, labels.negatives)
      .slice(0, n - pos.length - noneOption.length);
    const options = ctx.seeded.shuffle(`cls-order:${study.uid}`, [...pos, ...neg, ...noneOption]);
    if (options.length >= 2) {
      const letters = options.map((_, i) => String.fromCharCode(65 + i));
      const text = options.map((o, i) => `${letters[i]}. ${labelText(o)}`).join(' ');
      const correct = options
        .map((o, i) => [o, letters[i]!] as const)
        .filter(([o]) => pos.includes(o) || (pos.length === 0 && o === 'No Finding'));
      out.push({
        ...base('classification'),
        ...common,
        ...template(ctx, 'classification', study.uid, { options: text }),
        response: correct.map(([o, l]) => `${l}. ${labelText(o)}`).join(', '),
      });
    }
  }
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

/** The current study against the patient's previous one (ordered by study date and time), from the labels. */
export function comparisonTask(
  prior: StudyRec,
  current: StudyRec,
  priorLabels: LabelView,
  currentLabels: LabelView,
  ctx: TaskContext,
): Candidate | null {
  const a = frontalImage(prior);
  const b = frontalImage(current);
  if (!a || !b || priorLabels.source !== currentLabels.source) return null;
  const before = new Set(priorLabels.positives);
  const now = new Set(currentLabels.positives);
  const added = [...now]
    .filter((l) => !before.has(l))
    .sort()
    .map(labelText);
  const gone = [...before]
    .filter((l) => !now.has(l))
    .sort()
    .map(labelText);
  const same = [...now]
    .filter((l) => before.has(l))
    .sort()
    .map(labelText);
  const parts: string[] = [];
  if (added.length > 0) parts.push(`new ${listText(added)}`);
  if (gone.length > 0) parts.push(`resolved ${listText(gone)}`);
  if (same.length > 0) parts.push(`unchanged ${listText(same)}`);
  const response =
    parts.length > 0
      ? `Compared with the prior study: ${parts.join('; ')}.`
      : 'No abnormality in either study; no change.';
  return {
    ...base('comparison'),
    ...template(ctx, 'comparison', `${prior.uid}>${current.uid}`),
    response,
    images: [a, b],
    studies: [prior, current],
    labelSource: currentLabels.source,
    normal: priorLabels.normal && currentLabels.normal,
  };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
