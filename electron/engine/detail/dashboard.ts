/** The project home's funnel: one count per stage, from the rows each stage already keeps. */
import type { DashboardCounts } from '../../api/detail.ts';
import { latestRun as latestCurationRun } from '../curate/queries.ts';
import { deidOverview } from '../deid/handlers.ts';
import type { Db } from '../project/database.ts';
import { latestRun as latestSftRun } from '../sft/store.ts';

export function dashboardCounts(db: Db): DashboardCounts {
  const count = (sql: string, ...params: string[]) =>
    db
      .prepare(sql)
      .pluck()
      .get(...params) as number;
  const deid = deidOverview(db);
  const decided = latestCurationRun(db, true);
  const anyRun = latestCurationRun(db);
  const sft = latestSftRun(db);
  const last = db
    .prepare(
      "SELECT out_path, format, created_at FROM exports WHERE state = 'complete' ORDER BY id DESC LIMIT 1",
    )
    .get() as { out_path: string; format: string; created_at: string } | undefined;
  return {
    filesSeen: count('SELECT count(*) FROM files'),
    filesImported: count("SELECT count(*) FROM files WHERE status = 'imported'"),
    images: deid.images,
    reports: deid.reports,
    errors: count("SELECT count(*) FROM files WHERE status = 'error'"),
    skipped: count("SELECT count(*) FROM files WHERE status = 'skipped'"),
    deidentified: deid.imagesDone,
    deidRun: deid.lastRun !== null,
    quarantinePending: deid.quarantinePending,
    quarantined: count('SELECT count(*) FROM quarantine'),
    spansToReview: deid.spansToReview,
    kept: decided ? count('SELECT count(*) FROM curate_kept WHERE run_id = ?', decided.id) : null,
    curationAnalysedOnly: decided === null && anyRun !== null,
    sftSamples: sft ? count('SELECT count(*) FROM sft_samples WHERE run_id = ?', sft.runId) : null,
    bundles: count("SELECT count(*) FROM exports WHERE state = 'complete'"),
    // A cancelled export is not a failure to attend to: its job says 'cancelled' (the export row 'failed').
    bundlesFailed: count(
      `SELECT count(*) FROM exports e WHERE e.state = 'failed'
       AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = e.job_id AND j.state = 'cancelled')`,
    ),
    lastBundle: last ? { path: last.out_path, format: last.format, createdAt: last.created_at } : null,
  };
}
