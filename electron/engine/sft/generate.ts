/**
 * One SFT generation: eligible images → studies with de-identified reports and labels → patient splits →
 * every enabled task's candidates → weights and the "No Finding" cap → optional model generation → samples
 * with keyed ids, in a sorted order. Pure over the project's rows: the same rows, recipe and secret give the
 * same samples.
 */
import { ApiError } from '../errors.ts';
import type { SftCounts, SftSplit, SftTask } from '../../api/sft.ts';
import type { ModelRunner } from '../../../native-models/index.ts';
import { pseudonymToken } from '../deid-dicom/pseudonyms.ts';
import type { Db } from '../project/database.ts';
import { modelGenerate } from './model-gen.ts';
import type { SftRecipe } from './recipe.ts';
import { Seeded } from './rng.ts';
import { curatedSplits, eligibleImages, loadStudies, type StudyRec } from './source.ts';
import { assignSplits } from './split.ts';
import {
  comparisonTask,
  labelTasks,
  labelView,
  localizationTasks,
  reportTasks,
  viewTasks,
  type Candidate,
  type LabelView,
  type TaskContext,
} from './tasks.ts';

export interface SftSample {
  key: string;
  task: SftTask;
  templateId: string;
  generator: string;
  split: SftSplit;
  instruction: string;
  response: string;
  imageIds: number[];
  sourceRecords: { studies: number[]; reports: number[]; labels: string | null };
}

export interface GenerateOptions {
  /** Runs the recipe's model when it names one and the model is installed. */
  runner?: ModelRunner | null;
  signal?: AbortSignal;
}

export interface Generated {
  samples: SftSample[];
  counts: SftCounts;
  /** The model whose outputs are in the samples, or null. */
  model: string | null;
}

export function sampleKey(secret: Buffer, c: Candidate): string {
  const images = c.images.map((i) => `${i.sopUid}/${i.frame}`).join(',');
  const studies = c.studies.map((s) => s.uid).join(',');
  return `s${pseudonymToken(secret, 'sft-sample', `${c.task}|${images}|${studies}|${c.discriminator}`).toLowerCase()}`;
}

export async function generateSamples(
  db: Db,
  secret: Buffer,
  recipe: SftRecipe,
  opts: GenerateOptions = {},
): Promise<Generated> {
  const seeded = new Seeded(secret, recipe.seed);
  const dropped: Record<string, number> = {};
  const drop = (reason: string) => {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
  };
  const imageIds = eligibleImages(db);
  const pending = (
    db
      .prepare('SELECT count(*) AS n FROM images WHERE id NOT IN (SELECT image_id FROM deid_images)')
      .get() as { n: number }
  ).n;
  if (imageIds.length === 0 && pending > 0) {
    throw new ApiError(
      'conflict',
      `${pending} images have not been de-identified yet: run de-identification (medprep deid) first.`,
    );
  }
  const studies = loadStudies(db, imageIds);
  const padchestVocabulary = [
    ...new Set(
      studies.flatMap((s) => [...(s.labels.get('padchest')?.keys() ?? [])]).filter((n) => n !== 'normal'),
    ),
  ].sort();
  const labels = new Map<number, LabelView | null>(
    studies.map((s) => [s.id, labelView(s, recipe, padchestVocabulary)]),
  );
  const splits = assignSplits(studies, labels, recipe, seeded, curatedSplits(db));
  const ctx: TaskContext = { recipe, seeded, padchestVocabulary, drop };

  let candidates: Candidate[] = [];
  for (const s of studies) {
    const l = labels.get(s.id) ?? null;
    candidates.push(...reportTasks(s, ctx, l?.normal ?? false));
    if (l) candidates.push(...labelTasks(s, l, ctx));
    candidates.push(...viewTasks(s, ctx));
    candidates.push(...localizationTasks(s, l, ctx));
  }
  for (const list of byPatient(studies).values()) {
    for (let i = 1; i < list.length; i++) {
      const prior = list[i - 1]!;
      const current = list[i]!;
      const a = labels.get(prior.id);
      const b = labels.get(current.id);
      const c = a && b ? comparisonTask(prior, current, a, b, ctx) : null;
      if (c) candidates.push(c);
    }
  }
  candidates = candidates.filter((c) => recipe.tasks[c.task].enabled);

  const keyed = candidates.map((c) => ({ c, key: sampleKey(secret, c) }));
  const kept: { c: Candidate; key: string }[] = [];
  for (const task of Object.keys(recipe.tasks) as SftTask[]) {
    const mine = keyed.filter((k) => k.c.task === task);
    const weight = recipe.tasks[task].weight;
    const weighted = mine.filter((k) => {
      const ok = weight >= 1 || seeded.unit(`weight:${k.key}`) < weight;
      if (!ok) drop(`${task}:weight`);
      return ok;
    });
    const abnormal = weighted.filter((k) => !k.c.normal);
    const normal = weighted.filter((k) => k.c.normal);
    const cap = recipe.noFindingCap;
    const allowed = cap >= 1 ? normal.length : Math.floor((cap / (1 - cap)) * abnormal.length);
    const normalKept = seeded.shuffle(`cap:${task}`, normal, (k) => k.key).slice(0, allowed);
    for (let i = normalKept.length; i < normal.length; i++) drop(`${task}:no-finding-cap`);
    kept.push(...abnormal, ...normalKept);
  }

  let final = kept.map((k) => k.c);
  let model: string | null = null;
  if (recipe.model && recipe.model.tasks.length > 0) {
    const runner = opts.runner ?? null;
    const entry = runner ? safeEntry(runner, recipe.model.id) : null;
    if (!runner || entry !== 'found') drop('model-unavailable');
    else {
      model = recipe.model.id;
      final = await modelGenerate({
        runner,
        settings: recipe.model,
        recipe,
        candidates: final,
        labelsOf: (c) => labels.get(c.studies.at(-1)!.id) ?? null,
        drop,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    }
  }

  const samples: SftSample[] = final.map((c) => ({
    key: sampleKey(secret, c),
    task: c.task,
    templateId: c.templateId,
    generator: c.generator,
    split: splits.get(c.studies.at(-1)!.patientId) ?? 'train',
    instruction: c.instruction,
    response: c.response,
    imageIds: c.images.map((i) => i.id),
    sourceRecords: {
      studies: c.studies.map((s) => s.id),
      reports: c.studies.map((s) => s.reportId).filter((r): r is number => r !== null),
      labels: c.labelSource,
    },
  }));
  samples.sort((a, b) => cmp(a.split, b.split) || cmp(a.task, b.task) || cmp(a.key, b.key));
  const counts: SftCounts = {
    eligibleImages: imageIds.length,
    studies: studies.length,
    patients: new Set(studies.map((s) => s.patientId)).size,
    byTask: {},
    bySplit: {},
    dropped,
  };
  for (const s of samples) {
    counts.byTask[s.task] = (counts.byTask[s.task] ?? 0) + 1;
    counts.bySplit[s.split] = (counts.bySplit[s.split] ?? 0) + 1;
  }
  return { samples, counts, model };
}

function safeEntry(runner: ModelRunner, id: string): string | null {
  try {
    return runner.entry(id).status;
  } catch {
    return null;
  }
}

/** A patient's studies in time order (study ids are random in MIMIC: the date decides). */
function byPatient(studies: StudyRec[]): Map<number, StudyRec[]> {
  const m = new Map<number, StudyRec[]>();
  for (const s of studies) m.set(s.patientId, [...(m.get(s.patientId) ?? []), s]);
  for (const list of m.values()) {
    list.sort((a, b) => cmp(a.date ?? '', b.date ?? '') || cmp(a.time ?? '', b.time ?? '') || a.id - b.id);
  }
  return m;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
