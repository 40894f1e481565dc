import { thumbnailPath } from '../../api/contract.ts';
import type {
  Cluster,
  ClusterMember,
  ClusterMethod,
  ClusterStatus,
  CurateSummary,
  Decision,
  Funnel,
  FunnelStage,
  LeakageReport,
  OperatorHistogram,
  OperatorInfo,
  PreviewResult,
  SampleTrace,
  Split,
  Threshold,
} from '../../api/curate.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../project/database.ts';
import { decide, statKey, thresholdOf, type OperatorDef, type Params } from './operators.ts';
import { defaultRecipeText, parseRecipe, type Recipe } from './recipe.ts';
import { viewClass } from './samples.ts';

export interface RunRow {
  id: string;
  job_id: string | null;
  recipe: string;
  analyse: number;
  summary: string;
}

/** The latest finished run; `applied` limits it to runs that decided (not analyse-only). */
export function latestRun(db: Db, applied = false): RunRow | null {
  return (
    (db
      .prepare(
        `SELECT id, job_id, recipe, analyse, summary FROM curate_runs WHERE state = 'done'
         ${applied ? 'AND analyse = 0' : ''} ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      )
      .get() as RunRow | undefined) ?? null
  );
}

/** The recipe of the latest run, or the default recipe before any run. */
export function currentRecipe(db: Db): Recipe {
  const run = latestRun(db);
  return parseRecipe(run ? run.recipe : defaultRecipeText());
}

function operatorOf(db: Db, name: string): { def: OperatorDef; params: Params } {
  const f = currentRecipe(db).filters.find((x) => x.def.name === name);
  if (!f) throw new ApiError('not-found', `The recipe has no operator ${name}.`);
  return f;
}

function info(def: OperatorDef, params: Params, status = 'ran'): OperatorInfo {
  const t = thresholdOf(def, params);
  return {
    operator: def.name,
    kind: def.kind,
    statistic: def.statistic,
    direction: def.direction,
    threshold: t ?? (def.direction === 'in' ? [] : 0),
    status,
  };
}

export function operatorsInfo(db: Db): OperatorInfo[] {
  const run = latestRun(db);
  const statuses = new Map<string, string>();
  if (run) {
    const s = JSON.parse(run.summary) as Partial<CurateSummary>;
    for (const o of s.operators ?? []) statuses.set(o.operator, o.status);
  }
  return currentRecipe(db).filters.map((f) =>
    info(f.def, f.params, statuses.get(f.def.name) ?? 'not run yet'),
  );
}

export function histogram(db: Db, operator: string, bins: number): OperatorHistogram {
  const { def, params } = operatorOf(db, operator);
  const key = statKey(def, params);
  const total = (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
  const base = { ...info(def, params), bins: [], categories: [], total: 0, missing: total };
  if (def.direction === 'in') {
    const rows = db
      .prepare(
        `SELECT label, count(*) AS count FROM sample_stats WHERE operator = ? AND label IS NOT NULL
         GROUP BY label ORDER BY count DESC, label`,
      )
      .all(key) as { label: string; count: number }[];
    const n = rows.reduce((a, r) => a + r.count, 0);
    return { ...base, categories: rows, total: n, missing: total - n };
  }
  const range = db
    .prepare(
      'SELECT min(value) AS lo, max(value) AS hi, count(value) AS n FROM sample_stats WHERE operator = ? AND value IS NOT NULL',
    )
    .get(key) as { lo: number | null; hi: number | null; n: number };
  if (range.lo === null || range.hi === null) return base;
  const count = Math.max(1, Math.min(200, Math.trunc(bins) || 20));
  const width = range.hi > range.lo ? (range.hi - range.lo) / count : 1;
  const out = Array.from({ length: count }, (_, i) => ({
    from: range.lo! + i * width,
    to: range.lo! + (i + 1) * width,
    count: 0,
  }));
  const rows = db
    .prepare(
      `SELECT min(?, CAST((value - ?) / ? AS INTEGER)) AS bin, count(*) AS count FROM sample_stats
       WHERE operator = ? AND value IS NOT NULL GROUP BY bin`,
    )
    .all(count - 1, range.lo, width, key) as { bin: number; count: number }[];
  for (const r of rows) out[Math.max(0, r.bin)]!.count += r.count;
  return { ...base, bins: out, total: range.n, missing: total - range.n };
}

/** Kept and removed counts for a proposed threshold, from stored statistics only (nothing recomputed). */
export function preview(db: Db, operator: string, threshold: Threshold): PreviewResult {
  const { def, params } = operatorOf(db, operator);
  if (def.direction === 'in' ? !Array.isArray(threshold) : typeof threshold !== 'number')
    throw new ApiError(
      'bad-request',
      `${operator} takes ${def.direction === 'in' ? 'a list of labels' : 'a number'}.`,
    );
  const key = statKey(def, params);
  let kept = 0;
  let removed = 0;
  let stored = 0;
  for (const r of db
    .prepare('SELECT value, label FROM sample_stats WHERE operator = ?')
    .iterate(key) as IterableIterator<{ value: number | null; label: string | null }>) {
    stored++;
    const d = decide(def, r, threshold);
    if (d === 'remove') removed++;
    else kept++;
  }
  const total = (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
  const missing = total - stored;
  return { operator, threshold, kept: kept + missing, removed, missing };
}

interface MemberRow {
  image_id: number;
  distance: number | null;
  patient_id: number;
  study_id: number;
  view_position: string | null;
  rows: number;
  columns: number;
  pixel_hash: string;
  thumbnail: string | null;
  quarantined: number;
  split: Split | null;
}

const MEMBERS_SQL = `
  SELECT m.image_id, m.distance, st.patient_id, st.id AS study_id, i.view_position, i.rows, i.columns,
    i.pixel_hash, i.thumbnail, ps.split,
    (q.image_id IS NOT NULL AND coalesce(q.decision, '') <> 'release') AS quarantined
  FROM dedup_members m JOIN images i ON i.id = m.image_id
  JOIN series se ON se.id = i.series_id JOIN studies st ON st.id = se.study_id
  LEFT JOIN patient_splits ps ON ps.patient_id = st.patient_id
  LEFT JOIN quarantine q ON q.image_id = i.id
  WHERE m.cluster_id = ?
  ORDER BY (m.image_id = ?) DESC, m.image_id
  LIMIT ?`;

function toMember(r: MemberRow): ClusterMember {
  return {
    imageId: r.image_id,
    patientId: r.patient_id,
    studyId: r.study_id,
    split: r.split,
    view: viewClass(r.view_position),
    rows: r.rows,
    columns: r.columns,
    quarantined: r.quarantined === 1,
    distance: r.distance,
    thumbnail: r.thumbnail ? thumbnailPath(r.pixel_hash) : null,
  };
}

interface ClusterRow {
  id: number;
  method: ClusterMethod;
  status: ClusterStatus;
  representative_image_id: number | null;
  chosen_by: 'rule' | 'user';
  size: number;
}

function toCluster(db: Db, c: ClusterRow, memberLimit = 12): Cluster {
  const members = (
    db.prepare(MEMBERS_SQL).all(c.id, c.representative_image_id ?? -1, memberLimit) as MemberRow[]
  ).map(toMember);
  return {
    id: c.id,
    method: c.method,
    status: c.status,
    representativeId: c.representative_image_id,
    chosenBy: c.chosen_by,
    size: c.size,
    members,
  };
}

const CLUSTER_SQL = `SELECT c.id, c.method, c.status, c.representative_image_id, c.chosen_by,
  (SELECT count(*) FROM dedup_members m WHERE m.cluster_id = c.id) AS size FROM dedup_clusters c`;

/** Clusters of one method, review ones first, largest first. */
export function listClusters(db: Db, method: ClusterMethod, offset: number, limit: number) {
  const total = (
    db.prepare('SELECT count(*) AS n FROM dedup_clusters WHERE method = ?').get(method) as { n: number }
  ).n;
  const rows = db
    .prepare(
      `${CLUSTER_SQL} WHERE c.method = ? ORDER BY (c.status = 'review') DESC, size DESC, c.id LIMIT ? OFFSET ?`,
    )
    .all(method, Math.min(limit, 200), offset) as ClusterRow[];
  return { total, items: rows.map((r) => toCluster(db, r)) };
}

function getCluster(db: Db, id: number): ClusterRow {
  const row = db.prepare(`${CLUSTER_SQL} WHERE c.id = ?`).get(id) as ClusterRow | undefined;
  if (!row) throw new ApiError('not-found', `No duplicate cluster ${id}.`);
  return row;
}

const IMAGE_METHODS: ReadonlySet<ClusterMethod> = new Set(['exact-pixels', 'near-image', 'semantic']);

/**
 * A person picks the representative of a cluster. For an image cluster that removes (auto, or a review
 * cluster, which this confirms as duplicates and marks merged), the new representative is kept and the other
 * members are removed in the latest run's decisions and kept set. Text clusters never remove: only the
 * representative changes. The choice survives later runs that find the same image in a cluster.
 */
export function setRepresentative(db: Db, clusterId: number, imageId: number): Cluster {
  const c = getCluster(db, clusterId);
  const member = db
    .prepare('SELECT 1 FROM dedup_members WHERE cluster_id = ? AND image_id = ?')
    .get(clusterId, imageId);
  if (!member) throw new ApiError('bad-request', `Image ${imageId} is not in cluster ${clusterId}.`);
  const run = latestRun(db, true);
  db.transaction(() => {
    const status: ClusterStatus = c.status === 'review' && IMAGE_METHODS.has(c.method) ? 'merged' : c.status;
    db.prepare(
      `UPDATE dedup_clusters SET representative_image_id = ?, chosen_by = 'user', status = ? WHERE id = ?`,
    ).run(imageId, status, clusterId);
    if (!run || !IMAGE_METHODS.has(c.method)) return;
    const members = (
      db.prepare('SELECT image_id, distance FROM dedup_members WHERE cluster_id = ?').all(clusterId) as {
        image_id: number;
        distance: number | null;
      }[]
    ).map((m) => m);
    const ops = ['dedup.exact_pixels', 'dedup.near_image', 'dedup.review', `dedup.${c.method}`];
    const del = db.prepare(
      `DELETE FROM filter_decisions WHERE run_id = ? AND image_id = ? AND operator IN (${ops.map(() => '?').join(',')})`,
    );
    const ins = db.prepare(
      `INSERT INTO filter_decisions (run_id, image_id, operator, statistic, threshold, decision)
       VALUES (?, ?, 'dedup.review', ?, ?, 'remove') ON CONFLICT DO NOTHING`,
    );
    const stillRemoved = db.prepare(
      `SELECT 1 FROM filter_decisions WHERE run_id = ? AND image_id = ? AND decision = 'remove'`,
    );
    const unkeep = db.prepare('DELETE FROM curate_kept WHERE image_id = ?');
    const keep = db.prepare(
      `INSERT INTO curate_kept (image_id, run_id, split)
       SELECT i.id, ?, ps.split FROM images i JOIN series se ON se.id = i.series_id
       JOIN studies st ON st.id = se.study_id JOIN patient_splits ps ON ps.patient_id = st.patient_id
       WHERE i.id = ? ON CONFLICT DO NOTHING`,
    );
    for (const m of members) {
      del.run(run.id, m.image_id, ...ops);
      if (m.image_id === imageId) {
        if (!stillRemoved.get(run.id, m.image_id)) keep.run(run.id, m.image_id);
      } else {
        ins.run(run.id, m.image_id, m.distance, `duplicate of image ${imageId} (chosen in review)`);
        unkeep.run(m.image_id);
      }
    }
  })();
  return toCluster(db, getCluster(db, clusterId));
}

export function trace(db: Db, imageId: number): SampleTrace {
  if (!db.prepare('SELECT 1 FROM images WHERE id = ?').get(imageId))
    throw new ApiError('not-found', `No image ${imageId}.`);
  const run = latestRun(db, true);
  const kept = db.prepare('SELECT split FROM curate_kept WHERE image_id = ?').get(imageId) as
    { split: Split } | undefined;
  const split = db
    .prepare(
      `SELECT ps.split FROM images i JOIN series se ON se.id = i.series_id JOIN studies st ON st.id = se.study_id
       JOIN patient_splits ps ON ps.patient_id = st.patient_id WHERE i.id = ?`,
    )
    .get(imageId) as { split: Split } | undefined;
  const decisions = run
    ? (db
        .prepare(
          `SELECT operator, statistic, threshold, decision FROM filter_decisions WHERE run_id = ? AND image_id = ?
           ORDER BY rowid`,
        )
        .all(run.id, imageId) as SampleTrace['decisions'])
    : [];
  const stats = db
    .prepare('SELECT operator, value, label FROM sample_stats WHERE image_id = ? ORDER BY operator')
    .all(imageId) as SampleTrace['stats'];
  const clusters = (
    db
      .prepare(
        `SELECT c.id, c.method, c.status, c.representative_image_id, m.distance FROM dedup_members m
         JOIN dedup_clusters c ON c.id = m.cluster_id WHERE m.image_id = ? ORDER BY c.id`,
      )
      .all(imageId) as {
      id: number;
      method: ClusterMethod;
      status: ClusterStatus;
      representative_image_id: number | null;
      distance: number | null;
    }[]
  ).map((c) => ({
    clusterId: c.id,
    method: c.method,
    status: c.status,
    representativeId: c.representative_image_id,
    distance: c.distance,
  }));
  // An exclusion made after the run already keeps the image out of SFT and export (keptSamples): say so.
  const exclusion = db.prepare('SELECT reason FROM exclusions WHERE image_id = ?').get(imageId) as
    { reason: string } | undefined;
  if (exclusion && !decisions.some((d) => d.operator === 'user.exclude'))
    decisions.unshift({
      operator: 'user.exclude',
      statistic: null,
      threshold: `excluded by user: ${exclusion.reason} (after the latest curation run)`,
      decision: 'remove',
    });
  return {
    imageId,
    kept: kept !== undefined && !exclusion,
    runId: run?.id ?? null,
    split: kept?.split ?? split?.split ?? null,
    decisions: decisions.map((d) => ({ ...d, decision: d.decision as Decision })),
    stats,
    clusters,
  };
}

/** A sample counts at the first stage (in recipe order, then the dedup ladder) that removes it. */
export function funnelFromRemovals(
  images: number,
  removals: readonly { imageId: number; operator: string }[],
  order: readonly string[],
): FunnelStage[] {
  const rank = new Map(order.map((o, i) => [o, i]));
  const first = new Map<number, number>();
  for (const r of removals) {
    const k = rank.get(r.operator) ?? order.length;
    const cur = first.get(r.imageId);
    if (cur === undefined || k < cur) first.set(r.imageId, k);
  }
  const counts = new Array<number>(order.length + 1).fill(0);
  for (const k of first.values()) counts[k]!++;
  let remaining = images;
  const out: FunnelStage[] = [];
  order.forEach((stage, i) => {
    remaining -= counts[i]!;
    out.push({ stage, removed: counts[i]!, remaining });
  });
  return out;
}

export function funnel(db: Db): Funnel {
  const failedDecodes = (
    db.prepare(`SELECT count(*) AS n FROM files WHERE status = 'error'`).get() as { n: number }
  ).n;
  const images = (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
  const run = latestRun(db);
  const empty = { train: 0, validate: 0, test: 0 };
  if (!run)
    return { runId: null, analyse: false, failedDecodes, images, stages: [], kept: images, splits: empty };
  const summary = JSON.parse(run.summary) as CurateSummary & { funnel?: FunnelStage[] };
  if (run.analyse === 1) {
    const stages = summary.funnel ?? [];
    return {
      runId: run.id,
      analyse: true,
      failedDecodes,
      images,
      stages,
      kept: stages.at(-1)?.remaining ?? images,
      splits: empty,
    };
  }
  const removals = db
    .prepare(
      `SELECT image_id AS imageId, operator FROM filter_decisions WHERE run_id = ? AND decision = 'remove'`,
    )
    .all(run.id) as { imageId: number; operator: string }[];
  // Images a person excluded come first, as a stage of their own when there are any.
  const order = [
    ...(removals.some((r) => r.operator === 'user.exclude') ? ['user.exclude'] : []),
    ...parseRecipe(run.recipe).filters.map((f) => f.def.name),
    'dedup.exact_pixels',
    'dedup.near_image',
    'dedup.review',
    'dedup.text_cap',
    'leakage',
  ];
  const splits = { ...empty };
  for (const r of db.prepare('SELECT split, count(*) AS n FROM curate_kept GROUP BY split').all() as {
    split: Split;
    n: number;
  }[])
    splits[r.split] = r.n;
  const kept = splits.train + splits.validate + splits.test;
  return {
    runId: run.id,
    analyse: false,
    failedDecodes,
    images,
    stages: funnelFromRemovals(images, removals, order),
    kept,
    splits,
  };
}

/**
 * Leakage check over the kept samples: no patient in two splits, and no confirmed duplicate cluster (identical
 * pixels; near-duplicates removed automatically or confirmed in review) with kept members in different
 * splits. Review-band clusters are suspicions, listed by curate.clusters; confirming one removes its other
 * copies. Text clusters are not leakage: identical boilerplate reports of different patients are expected.
 */
export function leakageCheck(db: Db): LeakageReport {
  const patientsInSeveralSplits = (
    db
      .prepare(
        `SELECT count(*) AS n FROM (SELECT st.patient_id FROM curate_kept k JOIN images i ON i.id = k.image_id
         JOIN series se ON se.id = i.series_id JOIN studies st ON st.id = se.study_id
         GROUP BY st.patient_id HAVING count(DISTINCT k.split) > 1)`,
      )
      .get() as { n: number }
  ).n;
  const rows = db
    .prepare(
      `SELECT c.id, c.method, group_concat(DISTINCT k.split) AS splits, group_concat(k.image_id) AS ids
       FROM dedup_clusters c JOIN dedup_members m ON m.cluster_id = c.id JOIN curate_kept k ON k.image_id = m.image_id
       WHERE (c.method = 'exact-pixels' OR (c.method = 'near-image' AND c.status <> 'review'))
       GROUP BY c.id HAVING count(DISTINCT k.split) > 1`,
    )
    .all() as { id: number; method: ClusterMethod; splits: string; ids: string }[];
  const violations = rows.map((r) => ({
    clusterId: r.id,
    method: r.method,
    splits: r.splits.split(',') as Split[],
    imageIds: r.ids.split(',').map(Number),
  }));
  return {
    ok: violations.length === 0 && patientsInSeveralSplits === 0,
    patientsInSeveralSplits,
    violations,
  };
}

export interface KeptSample {
  imageId: number;
  split: Split;
}

/** See the contract at the top of index.ts. */
export function keptSamples(db: Db): KeptSample[] {
  return db
    .prepare(
      `SELECT k.image_id AS imageId, k.split FROM curate_kept k
       LEFT JOIN quarantine q ON q.image_id = k.image_id
       WHERE (q.image_id IS NULL OR q.decision = 'release')
         AND NOT EXISTS (SELECT 1 FROM exclusions x WHERE x.image_id = k.image_id)
       ORDER BY k.image_id`,
    )
    .all() as KeptSample[];
}

export function summaryOfJob(db: Db, jobId: string): CurateSummary {
  const row = db.prepare(`SELECT summary, state FROM curate_runs WHERE job_id = ?`).get(jobId) as
    { summary: string; state: string } | undefined;
  if (!row || row.state !== 'done')
    throw new ApiError('not-found', `No finished curation run for job ${jobId}.`);
  const { funnel: _funnel, ...summary } = JSON.parse(row.summary) as CurateSummary & { funnel?: unknown };
  return summary;
}
