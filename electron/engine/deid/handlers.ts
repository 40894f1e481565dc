import type { DeidInvoke, DeidOverview, DeidSettings } from '../../api/deid.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import type { Db } from '../project/database.ts';
import { deidSummary, runDeid } from './deid-job.ts';
import { decideQuarantine, headerDiff, listQuarantine, setMasks } from './images.ts';
import { addSpan, listReports, reportReview, reviewQueue, reviewSpan } from './reports.ts';
import { readSettings, settingsInfo, writeSettings } from './settings.ts';

export function deidOverview(db: Db): DeidOverview {
  const count = (sql: string) => db.prepare(sql).pluck().get() as number;
  const last = db.prepare('SELECT id, created_at, options FROM deid_runs ORDER BY id DESC LIMIT 1').get() as
    { id: number; created_at: string; options: string } | undefined;
  return {
    lastRun: last
      ? { id: last.id, createdAt: last.created_at, settings: JSON.parse(last.options) as DeidSettings }
      : null,
    images: count('SELECT count(*) FROM images'),
    imagesDone: count("SELECT count(*) FROM deid_images WHERE status != 'error'"),
    reports: count('SELECT count(*) FROM reports'),
    reportsDone: count('SELECT count(*) FROM reports WHERE deid_text IS NOT NULL'),
    quarantinePending: count('SELECT count(*) FROM quarantine WHERE decision IS NULL'),
    spansToReview: count("SELECT count(*) FROM text_spans WHERE review IS NULL AND category != 'REDACTED'"),
  };
}

/** The de-identification stage's channels (the linkage export is CLI-only on purpose). */
export function deidHandlers(ctx: EngineContext): HandlersFor<DeidInvoke> {
  const db = () => ctx.requireProject().db;
  return {
    'deid.settings.get': () => settingsInfo(readSettings(db())),
    'deid.settings.set': (a) => settingsInfo(writeSettings(db(), a.settings)),
    'deid.start': () => {
      const project = ctx.requireProject();
      return ctx.startJob('deid', {}, async (job) => ({ message: await runDeid(project, job, ctx.version) }));
    },
    'deid.summary': (a) => deidSummary(db(), a.jobId),
    'deid.overview': () => deidOverview(db()),
    'deid.headerDiff': (a) => headerDiff(ctx.requireProject(), a.imageId),
    'deid.quarantine.list': () => listQuarantine(db()),
    'deid.quarantine.decide': (a) => decideQuarantine(db(), a.imageId, a.decision),
    'deid.masks.set': (a) => setMasks(db(), a.imageId, a.masks),
    'deid.reports.list': (a) => listReports(db(), a.offset, a.limit),
    'deid.report': (a) => reportReview(db(), a.reportId),
    'deid.span.review': (a) => reviewSpan(ctx.requireProject(), a.spanId, a.review),
    'deid.span.add': (a) => addSpan(ctx.requireProject(), a.reportId, a.start, a.end, a.category),
    'deid.reviewQueue': (a) => reviewQueue(db(), a.limit),
  };
}
