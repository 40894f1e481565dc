import type { DeidInvoke, DeidOverview, DeidSettings, SpanCategoryName, SpanReview } from '../../api/deid.ts';
import { SPAN_CATEGORIES } from '../../api/deid.ts';
import { int, record, str } from '../args.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import { ApiError } from '../errors.ts';
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

function category(args: unknown): SpanCategoryName {
  const c = str(args, 'category');
  if (!(SPAN_CATEGORIES as readonly string[]).includes(c))
    throw new ApiError('bad-request', `"category" must be one of ${SPAN_CATEGORIES.join(', ')}.`);
  return c as SpanCategoryName;
}

function review(args: unknown): SpanReview | null {
  const v = record(args).review;
  if (v === null || v === 'accepted' || v === 'rejected') return v;
  throw new ApiError('bad-request', '"review" must be "accepted", "rejected" or null.');
}

/** The de-identification stage's channels (the linkage export is CLI-only on purpose). */
export function deidHandlers(ctx: EngineContext): HandlersFor<DeidInvoke> {
  const db = () => ctx.requireProject().db;
  return {
    'deid.settings.get': () => settingsInfo(readSettings(db())),
    'deid.settings.set': (a) => settingsInfo(writeSettings(db(), record(a).settings)),
    'deid.start': () => {
      const project = ctx.requireProject();
      return ctx.startJob('deid', {}, async (job) => ({ message: await runDeid(project, job, ctx.version) }));
    },
    'deid.summary': (a) => deidSummary(db(), str(a, 'jobId')),
    'deid.overview': () => deidOverview(db()),
    'deid.headerDiff': (a) => headerDiff(ctx.requireProject(), int(a, 'imageId', 1)),
    'deid.quarantine.list': () => listQuarantine(db()),
    'deid.quarantine.decide': (a) => {
      const decision = str(a, 'decision');
      if (decision !== 'release' && decision !== 'exclude')
        throw new ApiError('bad-request', '"decision" must be "release" or "exclude".');
      return decideQuarantine(db(), int(a, 'imageId', 1), decision);
    },
    'deid.masks.set': (a) => setMasks(db(), int(a, 'imageId', 1), record(a).masks),
    'deid.reports.list': (a) => listReports(db(), int(a, 'offset'), int(a, 'limit')),
    'deid.report': (a) => reportReview(db(), int(a, 'reportId', 1)),
    'deid.span.review': (a) => reviewSpan(ctx.requireProject(), int(a, 'spanId', 1), review(a)),
    'deid.span.add': (a) =>
      addSpan(ctx.requireProject(), int(a, 'reportId', 1), int(a, 'start'), int(a, 'end', 1), category(a)),
    'deid.reviewQueue': (a) => reviewQueue(db(), int(a, 'limit')),
  };
}
