/**
 * One SFT generation: eligible images → studies with de-identified reports and labels → patient splits →
 * every enabled task's candidates → weights and the "No Finding" cap → optional model generation → samples
 * with keyed ids, in a sorted order. Pure over the project's rows: the same rows, recipe and secret give the
 * same samples.
 */
import { ApiError } from '../errors.ts';
import type { SftCounts, SftDroppedView, SftLabelerCounts, SftSplit, SftTask } from '../../api/sft.ts';
import type { ModelRunner } from '../../../native-models/index.ts';
import { pseudonymToken } from '../deid-dicom/pseudonyms.ts';
import type { Db } from '../project/database.ts';
import { labelReport, type LabelValue } from '../labeler/index.ts';
import { GATE_CHECKS, gate, type GateCheck } from './faithfulness.ts';
import { LABELER_SOURCE, labelerLabels, labelView, studyStates, type LabelView } from './labels.ts';
import { modelGenerate } from './model-gen.ts';
import type { SftRecipe } from './recipe.ts';
import { Seeded } from './rng.ts';
import { curatedSplits, eligibleImages, loadStudies, type StudyRec } from './source.ts';
import { assignSplits } from './split.ts';
import {
  comparisonTask,
  labelTasks,
  localizationTasks,
  reportTasks,
  viewTasks,
  type Candidate,
  type Drop,
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
  /** Candidates dropped with their reason (hygiene, gate, classification without a wrong option…). */
  droppedSamples: SftDroppedView[];
  /** The report labeler's labels per study id: the `report-labeler` source a run stores. */
  labelerLabels: Map<number, Map<string, LabelValue>>;
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
  const droppedSamples: SftDroppedView[] = [];
  const drop: Drop = (reason, detail) => {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
    if (!detail) return;
    const task = reason.split(':')[0] as SftTask;
    droppedSamples.push({
      key: `d${pseudonymToken(secret, 'sft-drop', `${reason}|${detail.study.uid}`).toLowerCase()}`,
      task,
      reason: reason.slice(task.length + 1),
      instruction: null,
      response: null,
      source: detail.text ?? null,
    });
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
  // The labeler reads every report: its labels are a source of their own, beside (never over) the CSVs.
  const labelerOf = new Map<number, Map<string, LabelValue>>();
  for (const s of studies) {
    const own = labelerLabels(s);
    if (!own) continue;
    labelerOf.set(s.id, own);
    s.labels.set(LABELER_SOURCE, own);
  }
  const padchestVocabulary = [
    ...new Set(
      studies.flatMap((s) => [...(s.labels.get('padchest')?.keys() ?? [])]).filter((n) => n !== 'normal'),
    ),
  ].sort();
  const labels = new Map<number, LabelView | null>(
    studies.map((s) => [s.id, labelView(s, recipe, padchestVocabulary)]),
  );
  const states = new Map(studies.map((s) => [s.id, studyStates(s, labels.get(s.id) ?? null)]));
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
      if (!a || !b) continue;
      // Without both dates the order of two studies is a guess, and so would the direction of a change be.
      if (!prior.date || !current.date) {
        drop('comparison:no-study-date', {
          study: current,
          text: 'One of the two studies has no date: which came first is unknown.',
        });
        continue;
      }
      const c = comparisonTask(
        prior,
        current,
        states.get(prior.id)!,
        states.get(current.id)!,
        { prior: a.normal, current: b.normal, source: b.source },
        ctx,
      );
      if (c) candidates.push(c);
    }
  }
  candidates = candidates.filter((c) => recipe.tasks[c.task].enabled);

  // The faithfulness gate: a failing candidate is dropped and counted, never stored.
  const failed = Object.fromEntries(GATE_CHECKS.map((k) => [k, 0])) as Record<GateCheck, number>;
  let checked = 0;
  /** A candidate left out after it was built: counted, and kept so a person can open it with its reason. */
  const dropCandidate = (c: Candidate, key: string, reason: string) => {
    dropped[`${c.task}:${reason}`] = (dropped[`${c.task}:${reason}`] ?? 0) + 1;
    droppedSamples.push({
      key,
      task: c.task,
      reason,
      instruction: c.instruction,
      response: c.response,
      source: c.sourceText ?? null,
    });
  };
  const passes = (c: Candidate): boolean => {
    checked++;
    const sourcePositives = c.sourceText ? positivesOf(c.sourceText) : undefined;
    const check = gate({
      candidate: c,
      study: states.get(c.studies.at(-1)!.id) ?? new Map(),
      ...(sourcePositives ? { sourcePositives } : {}),
    });
    if (!check) return true;
    failed[check]++;
    dropCandidate(c, sampleKey(secret, c), `gate:${check}`);
    return false;
  };
  candidates = candidates.filter(passes);

  const keyed = candidates.map((c) => ({ c, key: sampleKey(secret, c) }));
  const kept: { c: Candidate; key: string }[] = [];
  for (const task of Object.keys(recipe.tasks) as SftTask[]) {
    const mine = keyed.filter((k) => k.c.task === task);
    const weight = recipe.tasks[task].weight;
    const weighted = mine.filter((k) => {
      const ok = weight >= 1 || seeded.unit(`weight:${k.key}`) < weight;
      if (!ok) dropCandidate(k.c, k.key, 'weight');
      return ok;
    });
    const abnormal = weighted.filter((k) => !k.c.normal);
    const normal = weighted.filter((k) => k.c.normal);
    const cap = recipe.noFindingCap;
    const allowed = cap >= 1 ? normal.length : Math.floor((cap / (1 - cap)) * abnormal.length);
    const shuffled = seeded.shuffle(`cap:${task}`, normal, (k) => k.key);
    const normalKept = shuffled.slice(0, allowed);
    for (const k of shuffled.slice(allowed)) dropCandidate(k.c, k.key, 'no-finding-cap');
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
      // A model's answers pass the same gate as the templates' did.
      final = final.filter((c) => c.generator === 'template' || passes(c));
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
    gate: { checked, passed: checked - Object.values(failed).reduce((a, b) => a + b, 0), failed },
    labeler: agreement(studies, labelerOf),
  };
  for (const s of samples) {
    counts.byTask[s.task] = (counts.byTask[s.task] ?? 0) + 1;
    counts.bySplit[s.split] = (counts.bySplit[s.split] ?? 0) + 1;
  }
  counts.emptyTasks = emptyTasks(recipe, counts, studies, labels);
  droppedSamples.sort((a, b) => cmp(a.task, b.task) || cmp(a.reason, b.reason) || cmp(a.key, b.key));
  return { samples, counts, model, droppedSamples, labelerLabels: labelerOf };
}

/** Observations a section states as positive (the gate's missing-positive check holds targets to them). */
function positivesOf(text: string): string[] {
  return [...labelReport(text).labels].filter(([o, v]) => v === 1 && o !== 'No Finding').map(([o]) => o);
}

/** The labeler against the CSV labels (chexpert, negbio) wherever the CSV has a value. */
function agreement(studies: StudyRec[], labelerOf: Map<number, Map<string, LabelValue>>): SftLabelerCounts {
  const out: SftLabelerCounts = { studies: labelerOf.size, compared: 0, agreed: 0, perObservation: {} };
  for (const s of studies) {
    const own = labelerOf.get(s.id);
    const csv = s.labels.get('chexpert') ?? s.labels.get('negbio');
    if (!own || !csv) continue;
    for (const [name, value] of csv) {
      if (value === null) continue;
      const row = (out.perObservation[name] ??= { compared: 0, agreed: 0 });
      const same = (own.get(name) ?? null) === value;
      row.compared++;
      out.compared++;
      if (same) {
        row.agreed++;
        out.agreed++;
      }
    }
  }
  return out;
}

const NOTHING: Partial<Record<SftTask, string>> = {
  findings: 'no study with a frontal image has a findings section',
  findings_with_indication: 'no study with a frontal image has both findings and an indication',
  impression: 'no study with a frontal image has an impression section',
  summarization: 'no study has both findings and an impression',
  closed_vqa: 'no study has labels (no label source, no report for the labeler)',
  open_vqa: 'no study has a positive label or a normal reading',
  classification: 'no study has both a present and an explicitly absent label',
  view: 'no image has a view position',
  localization: 'no study has PADCHEST localizations',
  comparison: 'no patient has two labelled studies with frontal images',
};

/** Why each enabled task produced nothing: its drops when it had candidates, else what it needs. */
function emptyTasks(
  recipe: SftRecipe,
  counts: SftCounts,
  studies: StudyRec[],
  labels: Map<number, LabelView | null>,
): Partial<Record<SftTask, string>> {
  const out: Partial<Record<SftTask, string>> = {};
  for (const task of Object.keys(recipe.tasks) as SftTask[]) {
    if (!recipe.tasks[task].enabled || (counts.byTask[task] ?? 0) > 0) continue;
    const drops = Object.entries(counts.dropped)
      .filter(([k]) => k.startsWith(`${task}:`))
      .map(([k, n]) => `${k.slice(task.length + 1)} (${n})`);
    if (drops.length > 0) out[task] = `every candidate was dropped: ${drops.join(', ')}`;
    else if (studies.length === 0) out[task] = 'no eligible study';
    else if (task === 'closed_vqa' && [...labels.values()].every((l) => l === null))
      out[task] = NOTHING[task]!;
    else out[task] = NOTHING[task] ?? 'no candidate';
  }
  return out;
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
