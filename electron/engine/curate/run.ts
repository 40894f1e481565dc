import { createHash, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type * as NativeModels from '../../../native-models/index.ts';
import type { ModelRunner, PixelImage, RunInfo, resolveModelDirs } from '../../../native-models/index.ts';
import type { CurateSummary, FunnelStage, ModelUse, OperatorSummary, Split } from '../../api/curate.ts';
import { JobCancelled, type JobContext } from '../jobs/jobs.ts';
import type { Project } from '../project/project.ts';
import {
  exactPixelClusters,
  nearImageClusters,
  semanticClusters,
  textClusters,
  compareRepresentative,
  type BuiltCluster,
  type Removal,
} from './dedup.ts';
import {
  decide,
  formatThreshold,
  statKey,
  thresholdOf,
  type ComputeContext,
  type OperatorDef,
  type Params,
  type StatValue,
} from './operators.ts';
import { parseRecipe, type Recipe } from './recipe.ts';
import { loadSamples, reportBody, type Sample } from './samples.ts';
import { assignSplits } from './split.ts';
import { funnelFromRemovals, leakageCheck } from './queries.ts';
import { identityGroups } from '../patients/identity.ts';

const CHUNK = 2000;

export interface CurateRunOptions {
  recipeText: string;
  analyse: boolean;
  job: Pick<JobContext, 'id' | 'signal' | 'progress'>;
  /** Where models are looked for (default: the project's models folder, then the user's). */
  modelDirs?: ReturnType<typeof resolveModelDirs>;
  workers?: number;
}

/** The stage of images a person excluded (browse.exclude); first in the funnel. */
export const USER_EXCLUDE = 'user.exclude';

function userExclusions(db: Project['db']): Removal[] {
  return (
    db.prepare('SELECT image_id AS imageId, reason FROM exclusions ORDER BY image_id').all() as {
      imageId: number;
      reason: string;
    }[]
  ).map((x) => ({
    imageId: x.imageId,
    operator: USER_EXCLUDE,
    statistic: null,
    threshold: `excluded by user: ${x.reason}`,
  }));
}

/** Image ids of the dedup stages, in ladder order, for the funnel. */
export const DEDUP_STAGES = [
  'dedup.exact_pixels',
  'dedup.near_image',
  'dedup.review',
  'dedup.text_cap',
  'leakage',
] as const;

async function thumbnailPixels(cacheDir: string, rel: string | null): Promise<PixelImage | null> {
  if (!rel) return null;
  try {
    const { data, info } = await sharp(path.join(cacheDir, rel))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: 1, data: new Uint8Array(data) };
  } catch {
    return null;
  }
}

type ModelLayer = typeof NativeModels;

/**
 * The model layer, loaded only when a run starts (it is the heaviest import of the engine); a layer that
 * cannot load makes model operators "not run", never a failure.
 */
async function loadModelLayer(): Promise<ModelLayer | null> {
  try {
    return await import('../../../native-models/index.ts');
  } catch {
    return null;
  }
}

/**
 * Why a model could not run for this run ("not run: …"). The operator or rung that needed it reports this as
 * its status; the run goes on.
 */
export class ModelNotRun extends Error {}

/** The first line of an error message, short enough for a status, without the model's name (the status has it). */
function firstLine(err: unknown, model: string): string {
  const m = err instanceof Error ? err.message : String(err);
  const line = m.split('\n')[0]!.replace(`model "${model}": `, '').replace(`model "${model}" `, '').trim();
  return line.length > 240 ? `${line.slice(0, 239)}…` : line;
}

function modelAccess(
  layer: ModelLayer | null,
  project: Project,
  opts: CurateRunOptions,
  signal: AbortSignal,
) {
  const dirs = layer ? (opts.modelDirs ?? layer.resolveModelDirs({ projectDir: project.dir })) : [];
  let runner: ModelRunner | null = null;
  const entryOf = (model: string) => layer?.listModels({ dirs }).models.find((m) => m.manifest.id === model);
  const problem = (model: string, task = 'image-text-embedding'): string | null => {
    if (!layer) return 'not run: the model layer could not load';
    const entry = entryOf(model);
    if (!entry || entry.status === 'missing') return 'not run: no model installed';
    if (entry.manifest.task !== task) return `not run: model ${model} is not an image–text model`;
    if (entry.status !== 'found') {
      const missing = entry.files.filter((f) => !f.found).map((f) => f.path);
      return `not run: model ${model} is incomplete (${missing.join(', ')} not found in ${entry.dir})`;
    }
    return null;
  };
  // Each model is hashed against its pinned SHA-256s once per run, before its first use: a damaged or
  // swapped file is reported by name instead of failing somewhere inside the runtime.
  const verified = new Map<string, Promise<void>>();
  const verify = (model: string) => {
    let v = verified.get(model);
    if (!v) {
      v = (async () => {
        const why = problem(model);
        if (why) throw new ModelNotRun(why);
        const problems = (await layer!.verifyModelFiles(entryOf(model)!)).filter(
          (p) => p.kind !== 'unpinned',
        );
        if (problems.length > 0)
          throw new ModelNotRun(
            `not run: model ${model} is damaged: ${firstLine(problems[0]!.message, model)}`,
          );
      })();
      verified.set(model, v);
    }
    return v;
  };
  const used = new Map<string, ModelUse>();
  /** Runs one model call; a failure of the model (not a cancel) becomes ModelNotRun. */
  const call = async <R extends { run: RunInfo }>(model: string, f: (r: ModelRunner) => Promise<R>) => {
    await verify(model);
    try {
      runner ??= new layer!.ModelRunner({ models: { dirs }, device: 'auto' });
      const result = await f(runner);
      const { requested, device, fallbacks } = result.run;
      used.set(model, { id: model, requested, device, fallbacks });
      return result;
    } catch (err) {
      if (signal.aborted) throw err;
      throw new ModelNotRun(`not run: model ${model} failed: ${firstLine(err, model)}`);
    }
  };
  const versions = new Map<string, string>();
  const version = (model: string): string => {
    let v = versions.get(model);
    if (v === undefined) {
      const files = entryOf(model)?.files ?? [];
      const h = createHash('sha256');
      for (const f of files) h.update(`${f.path}\0${f.expectedSha256 ?? `bytes:${f.bytes}`}\n`);
      versions.set(model, (v = h.digest('hex').slice(0, 12)));
    }
    return v;
  };
  return {
    problem,
    version,
    /** The model and device this run used, or the model alone when nothing was computed. */
    use: (model: string): ModelUse =>
      used.get(model) ?? { id: model, requested: null, device: null, fallbacks: [] },
    align: async (model: string, samples: Sample[]): Promise<(number | null)[]> => {
      const out: (number | null)[] = samples.map(() => null);
      for (let i = 0; i < samples.length; i += 64) {
        const batch = samples.slice(i, i + 64);
        const pairs: { image: PixelImage; text: string }[] = [];
        const at: number[] = [];
        for (const [k, s] of batch.entries()) {
          const image = await thumbnailPixels(project.cacheDir, s.thumbnail);
          const text = reportBody(s.sections, s.reportRaw).slice(0, 1000);
          if (!image || !text) continue;
          pairs.push({ image, text });
          at.push(i + k);
        }
        if (pairs.length === 0) continue;
        const { scores } = await call(model, (r) => r.alignImageText(model, pairs, { signal }));
        scores.forEach((v, k) => (out[at[k]!] = v));
      }
      return out;
    },
    embed: async (model: string, samples: Sample[]) => {
      const ids: number[] = [];
      const images: PixelImage[] = [];
      for (const s of samples) {
        const image = await thumbnailPixels(project.cacheDir, s.thumbnail);
        if (!image) continue;
        ids.push(s.id);
        images.push(image);
      }
      if (images.length === 0) return { ids, vectors: [] };
      const { vectors } = await call(model, (r) => r.embedImages(model, images, { signal }));
      return { ids, vectors };
    },
    close: () => runner?.close(),
  };
}

interface OperatorRun {
  def: OperatorDef;
  params: Params;
  key: string;
  stats: Map<number, StatValue>;
  summary: OperatorSummary;
}

/** Computes what is missing or stale for one operator and returns all its statistics. */
async function computeStats(
  project: Project,
  def: OperatorDef,
  params: Params,
  key: string,
  samples: Sample[],
  ctx: ComputeContext,
  job: CurateRunOptions['job'],
): Promise<{ stats: Map<number, StatValue>; computed: number }> {
  const db = project.db;
  const stored = new Map<number, { value: number | null; label: string | null; input: string | null }>();
  for (const r of db
    .prepare('SELECT image_id AS id, value, label, input FROM sample_stats WHERE operator = ?')
    .iterate(key) as IterableIterator<{
    id: number;
    value: number | null;
    label: string | null;
    input: string | null;
  }>)
    stored.set(r.id, r);
  const stats = new Map<number, StatValue>();
  const todo: Sample[] = [];
  const inputs = new Map<number, string>();
  for (const s of samples) {
    const input = def.input(s, params, ctx);
    const row = stored.get(s.id);
    if (row && row.input === input) stats.set(s.id, { value: row.value, label: row.label });
    else {
      todo.push(s);
      inputs.set(s.id, input);
    }
  }
  const write = db.prepare(
    `INSERT INTO sample_stats (image_id, operator, value, label, input) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (image_id, operator) DO UPDATE SET value = excluded.value, label = excluded.label, input = excluded.input`,
  );
  for (let i = 0; i < todo.length; i += CHUNK) {
    if (job.signal.aborted) throw new JobCancelled();
    const chunk = todo.slice(i, i + CHUNK);
    const values = await def.compute(chunk, params, ctx);
    db.transaction(() => {
      chunk.forEach((s, k) => {
        const v = values[k]!;
        const value = v.value === null || Number.isFinite(v.value) ? v.value : null;
        write.run(s.id, key, value, v.label, inputs.get(s.id)!);
        stats.set(s.id, { value, label: v.label });
      });
    })();
    job.progress({ message: `${def.name}: ${Math.min(i + CHUNK, todo.length)} of ${todo.length} computed` });
  }
  return { stats, computed: todo.length };
}

/**
 * Per source, the score at the top `percent` % (DataComp's rule): the ceil(n · percent / 100) best of the n
 * scored samples of each source (at least one), and samples below that score are removed. Every sample that
 * ties with the cut is kept, so identical scores can keep more than k %. Samples without a score are not
 * counted (they are kept).
 */
export function topPercentCut(
  samples: Sample[],
  stats: Map<number, StatValue>,
  percent: number,
): Map<number, number> {
  const bySource = new Map<number, number[]>();
  for (const s of samples) {
    const v = stats.get(s.id)?.value;
    if (v === null || v === undefined) continue;
    let l = bySource.get(s.sourceId);
    if (!l) bySource.set(s.sourceId, (l = []));
    l.push(v);
  }
  const cut = new Map<number, number>();
  for (const [src, values] of bySource) {
    values.sort((a, b) => b - a);
    const keep = Math.max(1, Math.ceil((values.length * percent) / 100));
    cut.set(src, values[Math.min(values.length, keep) - 1]!);
  }
  return cut;
}

/**
 * Runs a recipe: statistics (cached), decisions, and unless `analyse`, the dedup ladder, splits and leakage
 * removal, replacing the previous run's clusters, kept set and patient splits in one transaction.
 */
export async function runCuration(project: Project, opts: CurateRunOptions): Promise<CurateSummary> {
  const recipe = parseRecipe(opts.recipeText);
  const db = project.db;
  const runId = randomUUID();
  const { job } = opts;
  // Jobs run one at a time, so a run still marked running here was killed: it committed no decisions.
  db.prepare(`UPDATE curate_runs SET state = 'failed', finished_at = ? WHERE state = 'running'`).run(
    new Date().toISOString(),
  );
  db.prepare(
    `INSERT INTO curate_runs (id, job_id, recipe, analyse, state, created_at) VALUES (?, ?, ?, ?, 'running', ?)`,
  ).run(runId, job.id, opts.recipeText, opts.analyse ? 1 : 0, new Date().toISOString());
  const models = modelAccess(await loadModelLayer(), project, opts, job.signal);
  const markDone = (stored: StoredSummary) =>
    db
      .prepare(`UPDATE curate_runs SET state = 'done', finished_at = ?, summary = ? WHERE id = ?`)
      .run(new Date().toISOString(), JSON.stringify(stored), runId);
  try {
    const { funnel: _funnel, ...summary } = await curate(project, recipe, runId, opts, models, markDone);
    job.progress({ done: summary.samples });
    return summary;
  } catch (err) {
    db.prepare(`UPDATE curate_runs SET state = 'failed', finished_at = ? WHERE id = ?`).run(
      new Date().toISOString(),
      runId,
    );
    throw err;
  } finally {
    models.close();
  }
}

/** What curate_runs.summary holds: the summary, and for an analyse run the funnel it would give. */
type StoredSummary = CurateSummary & { funnel?: FunnelStage[] };

async function curate(
  project: Project,
  recipe: Recipe,
  runId: string,
  opts: CurateRunOptions,
  models: ReturnType<typeof modelAccess>,
  markDone: (stored: StoredSummary) => void,
): Promise<StoredSummary> {
  const db = project.db;
  const { job } = opts;
  const samples = loadSamples(db);
  job.progress({ total: samples.length, totalKnown: true, done: 0, message: `${samples.length} samples` });
  const ctx: ComputeContext = {
    cacheDir: project.cacheDir,
    signal: job.signal,
    modelProblem: (m) => models.problem(m),
    modelVersion: (m) => models.version(m),
    align: (m, ss) => models.align(m, ss),
  };

  const runs: OperatorRun[] = [];
  // Images a person excluded while browsing go first: no statistic can bring them back.
  const removals: Removal[] = userExclusions(db);
  // Progress counts samples: each operator's statistics move it by an equal share, the decisions finish it.
  const share = (k: number) => Math.floor((samples.length * k) / (recipe.filters.length + 1));
  for (const [index, { def, params }] of recipe.filters.entries()) {
    if (index > 0) job.progress({ done: share(index) });
    const key = statKey(def, params);
    const threshold = thresholdOf(def, params);
    const summary: OperatorSummary = {
      operator: def.name,
      kind: def.kind,
      statistic: def.statistic,
      direction: def.direction,
      threshold: threshold ?? (def.direction === 'in' ? [] : 0),
      status: 'ran',
      computed: 0,
      cached: 0,
      removed: 0,
      missing: 0,
    };
    const problem = def.unavailable?.(params, ctx) ?? null;
    if (problem) {
      summary.status = problem;
      runs.push({ def, params, key, stats: new Map(), summary });
      continue;
    }
    let computedStats: Awaited<ReturnType<typeof computeStats>>;
    try {
      computedStats = await computeStats(project, def, params, key, samples, ctx, job);
    } catch (err) {
      if (!(err instanceof ModelNotRun) || job.signal.aborted) throw err;
      // The model failed (corrupt files, a runtime that cannot load it): the operator does not run, the run
      // goes on. Scores stored before the failure stay valid for the next run.
      summary.status = err.message;
      runs.push({ def, params, key, stats: new Map(), summary });
      continue;
    }
    const { stats, computed } = computedStats;
    if (typeof params.model === 'string') summary.model = models.use(params.model);
    summary.computed = computed;
    summary.cached = samples.length - computed;
    const topPercent = typeof params.top_percent === 'number' ? params.top_percent : null;
    const cut = topPercent !== null ? topPercentCut(samples, stats, topPercent) : null;
    for (const s of samples) {
      const stat = stats.get(s.id);
      const t = cut ? (cut.get(s.sourceId) ?? null) : threshold;
      const d = decide(def, stat, t);
      // Missing is a property of the statistic, not of the threshold: with no threshold nothing is decided.
      if (!stat || (stat.value === null && stat.label === null)) summary.missing++;
      if (d !== 'remove') continue;
      summary.removed++;
      removals.push({
        imageId: s.id,
        operator: def.name,
        statistic: stat?.value ?? null,
        threshold:
          (cut ? `top ${topPercent} % of its source (≥ ${t})` : formatThreshold(def, t)) +
          (stat?.label ? `; value ${stat.label}` : ''),
      });
    }
    runs.push({ def, params, key, stats, summary });
  }
  const removed = new Set(removals.map((r) => r.imageId));
  const survivors = samples.filter((s) => !removed.has(s.id));
  const operators = runs.map((r) => r.summary);
  const statsComputed = operators.reduce((n, o) => n + o.computed, 0);
  // The exclusion stage shows in the funnel only when a person excluded something.
  const excludedStage = removals.some((r) => r.operator === USER_EXCLUDE) ? [USER_EXCLUDE] : [];
  const order = [...excludedStage, ...recipe.filters.map((f) => f.def.name), ...DEDUP_STAGES];

  if (opts.analyse) {
    const funnel = funnelFromRemovals(samples.length, removals, order);
    const stored: StoredSummary = {
      runId,
      analyse: true,
      samples: samples.length,
      kept: samples.length,
      removed: 0,
      review: 0,
      statsComputed,
      operators,
      dedup: [],
      splits: { train: 0, validate: 0, test: 0 },
      leakage: { ok: true, patientsInSeveralSplits: 0, violations: [] },
      funnel,
    };
    markDone(stored);
    return stored;
  }

  // The dedup ladder over the survivors.
  job.progress({ message: 'looking for duplicates' });
  const byId = new Map(samples.map((s) => [s.id, s]));
  const clusters: BuiltCluster[] = [];
  const dedupRemovals: Removal[] = [];
  const applyClusters = (built: BuiltCluster[], operator: string, threshold: string) => {
    for (const c of built) {
      clusters.push(c);
      if (c.status === 'review') continue;
      for (const m of c.members)
        if (m.imageId !== c.representative)
          dedupRemovals.push({ imageId: m.imageId, operator, statistic: m.distance, threshold });
    }
  };
  const userChoices = new Map<string, number>();
  for (const r of db
    .prepare(`SELECT method, representative_image_id AS id FROM dedup_clusters WHERE chosen_by = 'user'`)
    .iterate() as IterableIterator<{ method: string; id: number | null }>)
    if (r.id !== null) userChoices.set(`${r.method}:${r.id}`, r.id);
  const adoptUserChoice = (c: BuiltCluster) => {
    const chosen = c.members.find((m) => userChoices.has(`${c.method}:${m.imageId}`));
    if (!chosen) return c;
    return {
      ...c,
      representative: chosen.imageId,
      chosenBy: 'user' as const,
      status: c.status === 'review' ? ('merged' as const) : c.status,
    };
  };

  let pool = survivors;
  if (recipe.dedup.exactPixels) {
    const built = exactPixelClusters(pool).map(adoptUserChoice);
    applyClusters(
      built.filter((c) => c.status !== 'merged'),
      'dedup.exact_pixels',
      'identical decoded pixels, same patient',
    );
    applyClusters(
      built.filter((c) => c.status === 'merged'),
      'dedup.review',
      'duplicates confirmed in review',
    );
    // Copies of one picture are one candidate for the next rung: only the representative goes on.
    const copies = new Set(
      built.flatMap((c) => c.members.filter((m) => m.imageId !== c.representative).map((m) => m.imageId)),
    );
    pool = pool.filter((s) => !copies.has(s.id));
  }
  if (recipe.dedup.nearImage.enabled) {
    job.progress({ message: 'near-duplicate images' });
    const built = nearImageClusters(
      db,
      pool.filter((s) => s.phash),
      recipe.dedup.nearImage,
    ).map(adoptUserChoice);
    applyClusters(
      built.filter((c) => c.status !== 'merged'),
      'dedup.near_image',
      `perceptual hash within ${recipe.dedup.nearImage.autoRadius} bits, same patient and view`,
    );
    applyClusters(
      built.filter((c) => c.status === 'merged'),
      'dedup.review',
      'duplicates confirmed in review',
    );
  }
  const imageGone = new Set(dedupRemovals.map((r) => r.imageId));
  const textPool = survivors.filter((s) => !imageGone.has(s.id));
  if (recipe.dedup.nearText.enabled) {
    job.progress({ message: 'near-duplicate report text' });
    const workers = opts.workers ?? Math.max(1, Math.min(4, os.availableParallelism()));
    const text = await textClusters(textPool, recipe.dedup.nearText, project.secret(), workers);
    for (const c of text.clusters) clusters.push(adoptUserChoice(c));
    dedupRemovals.push(...text.removals);
  }
  const semanticStatus: string[] = [];
  let semanticModel: ModelUse | undefined;
  if (recipe.dedup.semantic.enabled) {
    const { model, threshold } = recipe.dedup.semantic;
    const problem = models.problem(model);
    if (problem) semanticStatus.push(problem);
    else {
      const removedNow = new Set(dedupRemovals.map((r) => r.imageId));
      const live = textPool.filter((s) => !removedNow.has(s.id));
      if (live.length > 20_000)
        semanticStatus.push('not run: more than 20,000 images for a brute-force search');
      else {
        job.progress({ message: 'semantic duplicates' });
        try {
          const { ids, vectors } = await models.embed(model, live);
          semanticModel = models.use(model);
          const built = semanticClusters(ids, vectors, threshold, (a, b) =>
            compareRepresentative(byId.get(a)!, byId.get(b)!),
          ).map(adoptUserChoice);
          // Review clusters remove nothing; one confirmed in review (merged) removes its other members.
          applyClusters(built, 'dedup.review', 'duplicates confirmed in review');
        } catch (err) {
          if (!(err instanceof ModelNotRun) || job.signal.aborted) throw err;
          semanticStatus.push(err.message);
        }
      }
    }
  }

  // Splits: by patient, linked through image duplicate clusters whose members are still kept.
  const allRemovals = [...removals, ...dedupRemovals];
  const gone = new Set(allRemovals.map((r) => r.imageId));
  const patients = new Map<number, { key: string; official: string | null }>();
  for (const s of samples) {
    const p = patients.get(s.patientId);
    if (!p) patients.set(s.patientId, { key: s.patientKey, official: s.officialSplit });
    else if (!p.official && s.officialSplit) p.official = s.officialSplit;
  }
  // Confirmed duplicates only: identical pixels, and near-duplicates removed automatically or in review. A
  // review-band pair is a suspicion; once confirmed its other copies are removed, so it cannot leak.
  const imageClusters = clusters.filter(
    (c) => c.method === 'exact-pixels' || (c.method === 'near-image' && c.status !== 'review'),
  );
  const links = imageClusters.map((c) => [
    ...new Set(c.members.filter((m) => !gone.has(m.imageId)).map((m) => byId.get(m.imageId)!.patientId)),
  ]);
  // Keys a person linked as one person share a split like duplicates do.
  for (const group of identityGroups(db)) links.push(group.filter((id) => patients.has(id)));
  const splits = assignSplits(
    patients,
    links.filter((l) => l.length > 1),
    project.secret(),
    recipe.split.ratios,
  );
  const splitOf = (imageId: number): Split => splits.get(byId.get(imageId)!.patientId)!.split;
  // Copies that official splits put on both sides: those outside the representative's split go.
  for (const c of imageClusters) {
    const repSplit = splitOf(c.representative);
    for (const m of c.members) {
      if (gone.has(m.imageId) || splitOf(m.imageId) === repSplit) continue;
      allRemovals.push({
        imageId: m.imageId,
        operator: 'leakage',
        statistic: m.distance,
        threshold: `duplicate of image ${c.representative} in split ${repSplit}`,
      });
      gone.add(m.imageId);
    }
  }

  job.progress({ done: share(recipe.filters.length), message: 'writing decisions' });
  const kept = samples.filter((s) => !gone.has(s.id));
  const writeResults = () => {
    const decision = db.prepare(
      `INSERT INTO filter_decisions (run_id, image_id, operator, statistic, threshold, decision)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    for (const r of allRemovals)
      decision.run(runId, r.imageId, r.operator, r.statistic, r.threshold, 'remove');
    db.prepare('DELETE FROM dedup_clusters').run();
    const insCluster = db.prepare(
      `INSERT INTO dedup_clusters (method, representative_image_id, run_id, status, chosen_by) VALUES (?, ?, ?, ?, ?)`,
    );
    const insMember = db.prepare(
      'INSERT INTO dedup_members (cluster_id, image_id, distance) VALUES (?, ?, ?)',
    );
    for (const c of clusters) {
      const id = Number(
        insCluster.run(c.method, c.representative, runId, c.status, c.chosenBy).lastInsertRowid,
      );
      for (const m of c.members) {
        insMember.run(id, m.imageId, m.distance);
        if (c.status === 'review' && m.imageId !== c.representative && !gone.has(m.imageId))
          decision.run(runId, m.imageId, `dedup.${c.method}`, m.distance, 'kept for review', 'review');
      }
    }
    db.prepare('DELETE FROM patient_splits').run();
    const insSplit = db.prepare('INSERT INTO patient_splits (patient_id, split, source) VALUES (?, ?, ?)');
    for (const [p, s] of splits) insSplit.run(p, s.split, s.source);
    db.prepare('DELETE FROM curate_kept').run();
    const insKept = db.prepare('INSERT INTO curate_kept (image_id, run_id, split) VALUES (?, ?, ?)');
    for (const s of kept) insKept.run(s.id, runId, splitOf(s.id));
  };

  const splitCounts: Record<Split, number> = { train: 0, validate: 0, test: 0 };
  for (const s of kept) splitCounts[splitOf(s.id)]++;
  const reviewIds = new Set<number>();
  for (const c of clusters)
    if (c.status === 'review') for (const m of c.members) if (!gone.has(m.imageId)) reviewIds.add(m.imageId);
  const dedup = (['exact-pixels', 'near-image', 'exact-text', 'near-text', 'semantic'] as const).map(
    (method) => ({
      method,
      status:
        method === 'semantic'
          ? (semanticStatus[0] ?? (recipe.dedup.semantic.enabled ? 'ran' : 'off'))
          : 'ran',
      ...(method === 'semantic' && semanticModel ? { model: semanticModel } : {}),
      clusters: clusters.filter((c) => c.method === method).length,
      removed: dedupRemovals.filter(
        (r) =>
          r.operator ===
          {
            'exact-pixels': 'dedup.exact_pixels',
            'near-image': 'dedup.near_image',
            'exact-text': '',
            'near-text': 'dedup.text_cap',
            semantic: '',
          }[method],
      ).length,
    }),
  );
  const summaryAfterWrites = (): StoredSummary => ({
    runId,
    analyse: false,
    samples: samples.length,
    kept: kept.length,
    removed: samples.length - kept.length,
    review: reviewIds.size,
    statsComputed,
    operators,
    dedup,
    splits: splitCounts,
    leakage: leakageCheck(db),
  });
  // The decisions and the run's 'done' mark commit together: a kill leaves the previous run's results or this
  // run's, never this run's rows under a run still marked running (found by the kill harness).
  return db.transaction(() => {
    writeResults();
    const stored = summaryAfterWrites();
    markDone(stored);
    return stored;
  })();
}
