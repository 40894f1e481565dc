import path from 'node:path';
import { thumbnailPath } from '../../api/contract.ts';
import type { BrowseStatus, DeidState, DuplicateState, LabelState } from '../../api/browse.ts';
import { ageAtStudy } from '../curate/samples.ts';
import { latestRun } from '../curate/queries.ts';
import { readSettings } from '../deid/settings.ts';
import type { Db } from '../project/database.ts';

/**
 * A column per facet, one entry per image, held in memory: faceted counts over 100,000 images are a few
 * passes over small integer arrays instead of a dozen GROUP BY joins per keystroke. Single-valued facets are
 * codes into a dictionary of values; tags are per-image lists of tag codes; labels a code per finding.
 * Built from the store on first use and rebuilt when anything wrote to it (see `indexFor`).
 */
export interface Dimension {
  /** Value of each code, in first-seen order. */
  values: string[];
  codes: Uint16Array;
}

export const STATUS_CODES: readonly BrowseStatus[] = [
  'excluded',
  'quarantined',
  'removed',
  'kept',
  'imported',
];
export const DEID_CODES: readonly DeidState[] = ['not-run', 'done', 'quarantined', 'stale', 'error'];
export const DUPLICATE_CODES: readonly DuplicateState[] = ['unique', 'representative', 'duplicate'];
/** Label codes: index into LABEL_STATES order. */
export const LABEL_CODE: Record<LabelState, number> = { positive: 0, negative: 1, uncertain: 2, absent: 3 };
export const AGE_BANDS = ['<18', '18–39', '40–59', '60–79', '80+', 'unknown'] as const;

export interface BrowseIndex {
  n: number;
  ids: Int32Array;
  /** Position of an image id in the arrays. */
  pos: Map<number, number>;
  paths: string[];
  frames: Int32Array;
  thumbs: (string | null)[];
  modality: (string | null)[];
  studyDate: (string | null)[];
  /** Study date as YYYYMMDD (0 when unknown), for sorting. */
  dateKey: Int32Array;
  /** Age in years (NaN when unknown). */
  age: Float32Array;
  dims: {
    source: Dimension;
    view: Dimension;
    sex: Dimension;
    age: Dimension;
    officialSplit: Dimension;
    curatedSplit: Dimension;
    status: Dimension;
    deid: Dimension;
    duplicate: Dimension;
  };
  /** Source id (as a string) to a label for people. */
  sourceLabels: Map<string, string>;
  labelNames: string[];
  /** labels[k][i]: LABEL_CODE of finding k for image i. */
  labels: Uint8Array[];
  tagNames: string[];
  tagCode: Map<string, number>;
  /** Tag codes per image (empty arrays shared). */
  tags: number[][];
  excludedReason: (string | null)[];
  /** Status without the user's exclusion (so excluding and including again needs no rebuild). */
  baseStatus: Uint16Array;
}

function dimension(): Dimension & { add(v: string): number } {
  const index = new Map<string, number>();
  const values: string[] = [];
  return {
    values,
    codes: new Uint16Array(0),
    add(v: string) {
      let c = index.get(v);
      if (c === undefined) {
        c = values.length;
        index.set(v, c);
        values.push(v);
      }
      return c;
    },
  };
}

/** A dimension whose values are fixed and known in advance (status, de-id state…). */
function fixed(values: readonly string[], n: number): Dimension {
  return { values: [...values], codes: new Uint16Array(n) };
}

export function ageBand(age: number): (typeof AGE_BANDS)[number] {
  if (Number.isNaN(age)) return 'unknown';
  if (age < 18) return '<18';
  if (age < 40) return '18–39';
  if (age < 60) return '40–59';
  if (age < 80) return '60–79';
  return '80+';
}

interface Row {
  id: number;
  rel_path: string;
  frame: number;
  source_id: number;
  thumbnail: string | null;
  pixel_hash: string;
  modality: string | null;
  view_position: string | null;
  study_id: number;
  study_date: string | null;
  official_split: string | null;
  sex: string | null;
  birth_date: string | null;
  birth_year: number | null;
  quarantined: number;
  deid_status: string | null;
  deid_options: string | null;
  kept_split: string | null;
  exclusion: string | null;
}

/** Options JSON without the record of which text model ran, with sorted keys: what decides staleness. */
function canonicalOptions(json: string): string {
  try {
    const o = JSON.parse(json) as Record<string, unknown>;
    delete o.textModelRun;
    return JSON.stringify(o, Object.keys(o).sort());
  } catch {
    return json;
  }
}

/** Reads the store in one read transaction, so every query of the build sees the same snapshot. */
export function buildIndex(db: Db): BrowseIndex {
  return db.transaction(() => readIndex(db))();
}

function readIndex(db: Db): BrowseIndex {
  const n = (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
  const rows = db
    .prepare(
      `SELECT i.id, f.rel_path, i.frame, f.source_id, i.thumbnail, i.pixel_hash, i.modality, i.view_position,
         st.id AS study_id, st.study_date, st.official_split, p.sex, p.birth_date, p.birth_year,
         (q.image_id IS NOT NULL AND coalesce(q.decision, '') <> 'release') AS quarantined,
         d.status AS deid_status, r.options AS deid_options, k.split AS kept_split, x.reason AS exclusion
       FROM images i JOIN files f ON f.id = i.file_id JOIN series se ON se.id = i.series_id
       JOIN studies st ON st.id = se.study_id JOIN patients p ON p.id = st.patient_id
       LEFT JOIN quarantine q ON q.image_id = i.id
       LEFT JOIN deid_images d ON d.image_id = i.id LEFT JOIN deid_runs r ON r.id = d.run_id
       LEFT JOIN curate_kept k ON k.image_id = i.id
       LEFT JOIN exclusions x ON x.image_id = i.id
       ORDER BY i.id`,
    )
    .iterate() as IterableIterator<Row>;
  const pos = new Map<number, number>();

  const run = latestRun(db, true);
  const removed = new Set<number>();
  if (run)
    for (const r of db
      .prepare(`SELECT DISTINCT image_id FROM filter_decisions WHERE run_id = ? AND decision = 'remove'`)
      .iterate(run.id) as IterableIterator<{ image_id: number }>)
      removed.add(r.image_id);

  const duplicate = new Map<number, DuplicateState>();
  for (const r of db
    .prepare(
      `SELECT m.image_id, (c.representative_image_id = m.image_id) AS rep FROM dedup_members m
       JOIN dedup_clusters c ON c.id = m.cluster_id`,
    )
    .iterate() as IterableIterator<{ image_id: number; rep: number }>) {
    if (r.rep !== 1) duplicate.set(r.image_id, 'duplicate');
    else if (duplicate.get(r.image_id) !== 'duplicate') duplicate.set(r.image_id, 'representative');
  }

  const hasDeidRun = db.prepare('SELECT 1 FROM deid_runs LIMIT 1').get() !== undefined;
  const currentOptions = hasDeidRun ? canonicalOptions(JSON.stringify(readSettings(db))) : '';

  const source = dimension();
  const view = dimension();
  const sex = dimension();
  const officialSplit = dimension();
  const curatedSplit = dimension();
  const sourceCodes = new Uint16Array(n);
  const viewCodes = new Uint16Array(n);
  const sexCodes = new Uint16Array(n);
  const officialCodes = new Uint16Array(n);
  const curatedCodes = new Uint16Array(n);
  const ageDim = fixed(AGE_BANDS, n);
  const status = fixed(STATUS_CODES, n);
  const deid = fixed(DEID_CODES, n);
  const dup = fixed(DUPLICATE_CODES, n);
  const ids = new Int32Array(n);
  const frames = new Int32Array(n);
  const dateKey = new Int32Array(n);
  const age = new Float32Array(n);
  const paths: string[] = new Array<string>(n);
  const thumbs: (string | null)[] = new Array<string | null>(n);
  const modality: (string | null)[] = new Array<string | null>(n);
  const studyDate: (string | null)[] = new Array<string | null>(n);
  const excludedReason: (string | null)[] = new Array<string | null>(n);
  const studyOf = new Int32Array(n);
  const optionsSeen = new Map<string, boolean>();
  const baseStatus = new Uint16Array(n);

  // One pass over the rows as they come (no array of 100,000 row objects).
  let i = 0;
  for (const r of rows) {
    pos.set(r.id, i);
    ids[i] = r.id;
    frames[i] = r.frame;
    paths[i] = r.rel_path;
    thumbs[i] = r.thumbnail ? thumbnailPath(r.pixel_hash) : null;
    modality[i] = r.modality;
    studyDate[i] = r.study_date;
    studyOf[i] = r.study_id;
    excludedReason[i] = r.exclusion;
    dateKey[i] = /^\d{8}$/.test(r.study_date ?? '') ? Number(r.study_date) : 0;
    const a = ageAtStudy({ birthDate: r.birth_date, birthYear: r.birth_year, studyDate: r.study_date });
    age[i] = a === null || a < 0 || a > 130 ? NaN : a;
    sourceCodes[i] = source.add(String(r.source_id));
    viewCodes[i] = view.add((r.view_position ?? '').trim().toUpperCase() || 'unknown');
    const s = (r.sex ?? '').trim().toUpperCase();
    sexCodes[i] = sex.add(s === 'M' || s === 'F' || s === 'O' ? s : 'unknown');
    officialCodes[i] = officialSplit.add(r.official_split ?? 'none');
    curatedCodes[i] = curatedSplit.add(r.kept_split ?? 'none');
    ageDim.codes[i] = AGE_BANDS.indexOf(ageBand(age[i]!));
    baseStatus[i] = STATUS_CODES.indexOf(
      r.quarantined
        ? 'quarantined'
        : r.kept_split !== null
          ? 'kept'
          : removed.has(r.id)
            ? 'removed'
            : 'imported',
    );
    status.codes[i] = r.exclusion !== null ? STATUS_CODES.indexOf('excluded') : baseStatus[i]!;
    let d: DeidState = 'not-run';
    if (r.quarantined) d = 'quarantined';
    else if (r.deid_status === 'error') d = 'error';
    else if (r.deid_status !== null) {
      let same = optionsSeen.get(r.deid_options ?? '');
      if (same === undefined)
        optionsSeen.set(
          r.deid_options ?? '',
          (same = canonicalOptions(r.deid_options ?? '') === currentOptions),
        );
      d = same ? 'done' : 'stale';
    }
    deid.codes[i] = DEID_CODES.indexOf(d);
    dup.codes[i] = DUPLICATE_CODES.indexOf(duplicate.get(r.id) ?? 'unique');
    i++;
  }

  // Labels are per study and per labeller; per finding an image takes the strongest statement any labeller
  // made: positive over uncertain over negative.
  const studyImages = new Map<number, number[]>();
  studyOf.forEach((s, i) => {
    const l = studyImages.get(s);
    if (l) l.push(i);
    else studyImages.set(s, [i]);
  });
  const labelNames = (
    db.prepare('SELECT DISTINCT name FROM labels ORDER BY name').all() as { name: string }[]
  ).map((r) => r.name);
  const labelIndex = new Map(labelNames.map((name, k) => [name, k]));
  const labels = labelNames.map(() => new Uint8Array(n).fill(LABEL_CODE.absent));
  const rank = [LABEL_CODE.absent, LABEL_CODE.negative, LABEL_CODE.uncertain, LABEL_CODE.positive];
  // Rows as arrays: a project has several hundred thousand label rows.
  for (const [studyId, name, value] of db
    .prepare('SELECT study_id, name, value FROM labels WHERE value IS NOT NULL')
    .raw(true)
    .iterate() as IterableIterator<[number, string, number]>) {
    const images = studyImages.get(studyId);
    if (!images) continue;
    const col = labels[labelIndex.get(name)!]!;
    const code =
      value === 1 ? LABEL_CODE.positive : value === -1 ? LABEL_CODE.uncertain : LABEL_CODE.negative;
    for (const i of images) if (rank.indexOf(code) > rank.indexOf(col[i]!)) col[i] = code;
  }

  const tagNames: string[] = [];
  const tagCode = new Map<string, number>();
  const none: number[] = [];
  const tags: number[][] = new Array<number[]>(n).fill(none);
  for (const r of db
    .prepare('SELECT image_id, tag FROM tags ORDER BY tag, image_id')
    .iterate() as IterableIterator<{ image_id: number; tag: string }>) {
    const i = pos.get(r.image_id);
    if (i === undefined) continue;
    let c = tagCode.get(r.tag);
    if (c === undefined) {
      tagCode.set(r.tag, (c = tagNames.length));
      tagNames.push(r.tag);
    }
    tags[i] = tags[i] === none ? [c] : [...tags[i]!, c];
  }

  const sourceLabels = new Map<string, string>();
  for (const s of db.prepare('SELECT id, path, format FROM sources').all() as {
    id: number;
    path: string;
    format: string;
  }[])
    sourceLabels.set(String(s.id), `${path.basename(s.path)} (${s.format})`);

  return {
    n,
    ids,
    pos,
    paths,
    frames,
    thumbs,
    modality,
    studyDate,
    dateKey,
    age,
    dims: {
      source: { values: source.values, codes: sourceCodes },
      view: { values: view.values, codes: viewCodes },
      sex: { values: sex.values, codes: sexCodes },
      age: ageDim,
      officialSplit: { values: officialSplit.values, codes: officialCodes },
      curatedSplit: { values: curatedSplit.values, codes: curatedCodes },
      status,
      deid,
      duplicate: dup,
    },
    sourceLabels,
    labelNames,
    labels,
    tagNames,
    tagCode,
    tags,
    excludedReason,
    baseStatus,
  };
}

/**
 * What the index was built from: SQLite's data_version moves when another connection commits, and
 * total_changes() counts every row this connection changed. Equal keys mean nothing was written since.
 */
export function storeVersion(db: Db): string {
  const dv = db.pragma('data_version', { simple: true }) as number;
  const tc = (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
  return `${dv}:${tc}`;
}

interface Cached {
  version: string;
  index: BrowseIndex;
  builtAt: number;
  buildMs: number;
}
const cache = new WeakMap<Db, Cached>();

/**
 * The index for this store, rebuilt when anything wrote to it since it was built. While a job is writing
 * (an import streaming rows, a curation run), a view that refreshes every second would rebuild without end:
 * then an index younger than five builds (and at least a second) is served as it is, which bounds rebuilding
 * to a fifth of the time.
 * `fresh` (before browse's own writes, which update the index in place) always gets a current one.
 */
export function indexFor(db: Db, opts: { fresh?: boolean } = {}): BrowseIndex {
  const version = storeVersion(db);
  const hit = cache.get(db);
  if (hit && hit.version === version) return hit.index;
  const young = hit && performance.now() - hit.builtAt < Math.max(1000, 5 * hit.buildMs);
  if (hit && young && !opts.fresh && jobRunning(db)) return hit.index;
  const started = performance.now();
  const index = buildIndex(db);
  const builtAt = performance.now();
  cache.set(db, { version, index, builtAt, buildMs: builtAt - started });
  return index;
}

function jobRunning(db: Db): boolean {
  return db.prepare(`SELECT 1 FROM jobs WHERE state = 'running' LIMIT 1`).get() !== undefined;
}

/** After browse's own writes, which it applied to the index too: the index is current again. */
export function markCurrent(db: Db, index: BrowseIndex): void {
  const hit = cache.get(db);
  cache.set(db, {
    version: storeVersion(db),
    index,
    builtAt: hit?.builtAt ?? performance.now(),
    buildMs: hit?.buildMs ?? 0,
  });
}
