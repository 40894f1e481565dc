// A canonical dump of a project's results: every table, rows sorted, with the columns that differ between two
// runs doing the same work left out (each exclusion says why). Two projects hold the same results exactly
// when their dumps are equal; a row that appears twice shows up as a difference, so duplicates are caught too.
import path from 'node:path';
import Database from 'better-sqlite3';

type Row = Record<string, unknown>;

/**
 * Tables that record attempts rather than results. `jobs`: one row per command run, a kill leaves an
 * 'interrupted' row by design; the harness checks instead that no job is left 'running'.
 */
const ATTEMPT_TABLES = new Set(['jobs']);

/** Columns left out of the comparison, with why they are volatile. */
const VOLATILE: Record<string, string[]> = {
  // Wall-clock time of the import that first saw the source.
  sources: ['added_at'],
  // The random UUID of the job that read the file: a resumed import records its own.
  files: ['job_id'],
  // Run rows: random or counter ids, the job's UUID and wall-clock times. Results point at runs by id, so those
  // references are replaced with the run's content below.
  deid_runs: ['id', 'job_id', 'created_at'],
  curate_runs: ['id', 'job_id', 'created_at', 'finished_at'],
  sft_runs: ['id', 'job_id', 'created_at'],
  exports: ['id', 'job_id', 'created_at'],
  // When a gate run last met a review hit, when a person decided or linked: wall-clock times.
  leak_reviews: ['seen_at', 'decided_at'],
  patient_links: ['linked_at'],
};

/**
 * Per-run figures in a curation summary that say how much this run computed, not what it decided: a run
 * resumed after a kill reuses the statistics the killed one committed, so it computes fewer. `runId` is random.
 */
const SUMMARY_EFFORT_KEYS = new Set(['runId', 'statsComputed', 'computed', 'cached']);

function dropKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropKeys);
  if (value && typeof value === 'object') {
    const out: Row = {};
    for (const [k, v] of Object.entries(value)) if (!SUMMARY_EFFORT_KEYS.has(k)) out[k] = dropKeys(v);
    return out;
  }
  return value;
}

export interface Dump {
  tables: Record<string, string[]>;
  integrity: string;
  foreignKeyViolations: number;
  /** Jobs still marked running or queued: a process died with them and no later open noticed. */
  jobsLeftRunning: number;
}

/**
 * Integer ids are assigned in the order worker threads finish, so two uninterrupted runs number rows
 * differently, and a resumed run differs again. Rows are compared by what identifies them instead: each id
 * column is dropped and every reference to a row becomes that row's natural key (a file's source path and
 * relative path, a study's UID, an image's file and frame …).
 */
const NATURAL_KEYS: Record<string, string> = {
  sources: 'SELECT id, path AS k FROM sources',
  files: "SELECT f.id, s.path || '/' || f.rel_path AS k FROM files f JOIN sources s ON s.id = f.source_id",
  patients: 'SELECT id, patient_key AS k FROM patients',
  studies: 'SELECT id, study_uid AS k FROM studies',
  series: 'SELECT id, series_uid AS k FROM series',
  images: `SELECT i.id, s.path || '/' || f.rel_path || '#' || i.frame AS k FROM images i
           JOIN files f ON f.id = i.file_id JOIN sources s ON s.id = f.source_id`,
  reports: `SELECT r.id, st.study_uid || '|' || coalesce(s.path || '/' || f.rel_path, '') AS k FROM reports r
            JOIN studies st ON st.id = r.study_id LEFT JOIN files f ON f.id = r.file_id
            LEFT JOIN sources s ON s.id = f.source_id`,
  deid_runs: "SELECT id, 'deid:' || profile || ':' || options AS k FROM deid_runs",
};

/** Surrogate id columns: counters or row ids that nothing outside the project sees. */
const SURROGATE_IDS = new Set([
  ...Object.keys(NATURAL_KEYS),
  'labels',
  'text_spans',
  'deid_masks',
  'pixel_text',
  'leak_reviews',
  'dedup_clusters',
  'sft_samples',
]);

/**
 * Tables compared as sets: a de-identification run killed after committing some images and the run that
 * finished them have the same options (results point at the options); an export killed after it was recorded
 * complete and its re-run record the same bundle at the same path.
 */
const SET_TABLES = new Set(['deid_runs', 'exports']);

/** Columns that hold image ids without a declared foreign key. */
const IMAGE_ID_COLUMNS: Record<string, string[]> = { phash_bands: ['image_id'] };

export function dumpProject(projectDir: string, root: string): Dump {
  const db = new Database(path.join(projectDir, 'project.db'), { readonly: true });
  try {
    const tableNames = (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all() as { name: string }[]
    ).map((t) => t.name);
    const nat = new Map<string, Map<number, string>>();
    for (const [t, sql] of Object.entries(NATURAL_KEYS))
      nat.set(t, new Map((db.prepare(sql).all() as { id: number; k: string }[]).map((r) => [r.id, r.k])));
    const key = (table: string, id: unknown) =>
      id === null ? null : (nat.get(table)?.get(id as number) ?? `missing ${table} ${String(id)}`);
    const images = (ids: unknown) => (ids as number[]).map((id) => key('images', id)).sort();
    // A dedup cluster is its method, representative and members.
    const clusterKey = new Map<number, string>();
    for (const c of db
      .prepare('SELECT id, method, representative_image_id AS rep FROM dedup_clusters')
      .all() as {
      id: number;
      method: string;
      rep: number | null;
    }[]) {
      const members = (
        db.prepare('SELECT image_id FROM dedup_members WHERE cluster_id = ?').all(c.id) as {
          image_id: number;
        }[]
      ).map((m) => m.image_id);
      clusterKey.set(c.id, JSON.stringify([c.method, key('images', c.rep), images(members)]));
    }
    // References to runs become the run's content (or role), so a resumed run and the reference compare equal.
    // A curation run that committed and was killed before the process exited is followed by the re-run's
    // run: both are done and decided the same. The results are the latest done run's; earlier runs' decision
    // rows are history (filter_decisions keeps every run's), so only the latest run's rows are compared.
    const latestCurate = (
      db
        .prepare(
          "SELECT id FROM curate_runs WHERE state = 'done' ORDER BY created_at DESC, rowid DESC LIMIT 1",
        )
        .get() as { id: string } | undefined
    )?.id;
    const doneCurate = new Set(
      (db.prepare("SELECT id FROM curate_runs WHERE state = 'done'").all() as { id: string }[]).map(
        (r) => r.id,
      ),
    );
    const sftRun = new Map(
      (db.prepare('SELECT id, recipe, counts, model FROM sft_runs').all() as Row[]).map((r) => [
        r.id as string,
        JSON.stringify([r.recipe, r.counts, r.model]),
      ]),
    );
    const used = (sql: string) => new Set((db.prepare(sql).all() as { id: unknown }[]).map((r) => r.id));
    const usedDeidRuns = used(
      `SELECT run_id AS id FROM deid_images UNION SELECT run_id FROM deid_actions
       UNION SELECT deid_run_id FROM reports WHERE deid_run_id IS NOT NULL`,
    );
    const usedSftRuns = used('SELECT DISTINCT run_id AS id FROM sft_samples');
    const foreignKeys = new Map<string, Map<string, string>>();
    for (const t of tableNames) {
      const fks = db.pragma(`foreign_key_list(${t})`) as { from: string; table: string }[];
      const m = new Map(fks.map((f) => [f.from, f.table]));
      for (const c of IMAGE_ID_COLUMNS[t] ?? []) m.set(c, 'images');
      foreignKeys.set(t, m);
    }
    const rewrite = (table: string, col: string, v: unknown): unknown => {
      if (v === null) return v;
      const target = foreignKeys.get(table)!.get(col);
      if (target === 'dedup_clusters') return clusterKey.get(v as number);
      if (target) return key(target, v);
      if (['filter_decisions', 'curate_kept', 'dedup_clusters'].includes(table) && col === 'run_id')
        return v === latestCurate
          ? 'latest curate run'
          : doneCurate.has(v as string)
            ? 'older curate run'
            : 'unfinished curate run';
      if (table === 'sft_samples' && col === 'run_id') return sftRun.get(v as string);
      if (table === 'sft_samples' && col === 'image_ids')
        return JSON.stringify(images(JSON.parse(v as string)));
      if (table === 'sft_samples' && col === 'source_records') {
        const r = JSON.parse(v as string) as { studies?: number[]; reports?: number[] };
        return JSON.stringify({
          ...r,
          studies: r.studies?.map((id) => key('studies', id)),
          reports: r.reports?.map((id) => key('reports', id)),
        });
      }
      if (table === 'sample_stats' && col === 'input' && /^r\d+$/u.test(v as string))
        return key('reports', Number((v as string).slice(1)));
      if (table === 'filter_decisions' && col === 'threshold')
        return (v as string).replace(/image (\d+)/u, (_, id: string) => `image ${key('images', Number(id))}`);
      if (table === 'curate_runs' && col === 'summary')
        return JSON.stringify(dropKeys(JSON.parse(v as string)));
      if (typeof v === 'string') return v.replaceAll(root, '<root>');
      return v;
    };
    // Runs killed before they decided anything leave a run row and nothing else: only runs that results point
    // at, curation runs marked done and exports marked complete are results.
    const keepRow = (table: string, row: Row): boolean => {
      if (table === 'deid_runs') return usedDeidRuns.has(row.id);
      if (table === 'sft_runs') return usedSftRuns.has(row.id);
      if (table === 'curate_runs') return row.id === latestCurate;
      // Decisions of older finished runs are history; those of unfinished runs are kept, to be caught.
      if (table === 'filter_decisions')
        return row.run_id === latestCurate || !doneCurate.has(row.run_id as string);
      if (table === 'exports') return row.state === 'complete';
      return true;
    };
    const tables: Record<string, string[]> = {};
    for (const t of tableNames) {
      if (ATTEMPT_TABLES.has(t)) continue;
      const skip = new Set([...(VOLATILE[t] ?? []), ...(SURROGATE_IDS.has(t) ? ['id'] : [])]);
      const rows = (db.prepare(`SELECT * FROM ${t}`).all() as Row[]).filter((r) => keepRow(t, r));
      const dumped = rows.map((r) => {
        const out: Row = {};
        for (const [k, v] of Object.entries(r)) if (!skip.has(k)) out[k] = rewrite(t, k, v);
        return JSON.stringify(out);
      });

      tables[t] = (SET_TABLES.has(t) ? [...new Set(dumped)] : dumped).sort();
    }
    return {
      tables,
      integrity: db.pragma('integrity_check', { simple: true }) as string,
      foreignKeyViolations: (db.pragma('foreign_key_check') as unknown[]).length,
      jobsLeftRunning: (
        db.prepare("SELECT count(*) AS n FROM jobs WHERE state IN ('running', 'queued')").get() as {
          n: number;
        }
      ).n,
    };
  } finally {
    db.close();
  }
}

/** Table by table: rows only in `a` and rows only in `b` (as multisets, so a duplicated row is a difference). */
export function diffDumps(a: Dump, b: Dump): string[] {
  const out: string[] = [];
  for (const t of new Set([...Object.keys(a.tables), ...Object.keys(b.tables)])) {
    const count = new Map<string, number>();
    for (const r of a.tables[t] ?? []) count.set(r, (count.get(r) ?? 0) + 1);
    for (const r of b.tables[t] ?? []) count.set(r, (count.get(r) ?? 0) - 1);
    const onlyA = [...count].filter(([, n]) => n > 0);
    const onlyB = [...count].filter(([, n]) => n < 0);
    if (onlyA.length || onlyB.length) {
      const sample = (onlyB[0] ?? onlyA[0])![0].slice(0, 300);
      out.push(`${t}: ${onlyA.length} rows missing, ${onlyB.length} rows extra (e.g. ${sample})`);
    }
  }
  return out;
}
