/**
 * De-identified reports: detected spans stored with their review state, and the de-identified text rendered
 * from the spans a person has not rejected (plus the ones a person added). A re-run replaces undecided machine
 * spans and keeps every decision.
 */
import { createHash } from 'node:crypto';
import type {
  DeidSettings,
  ReportListItem,
  ReportReview,
  ReviewQueueItem,
  ReviewSpan,
  SpanCategoryName,
  SpanReview,
} from '../../api/deid.ts';
import type { SpanSource } from '../deid-text/index.ts';
import type { Candidate } from '../deid-text/types.ts';
import { applySpans } from '../deid-text/index.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../project/database.ts';
import type { Project } from '../project/project.ts';
import { sectionReport } from '../reports/index.ts';
import { textShiftDays } from './clean.ts';
import { knownForPatient, type PatientKnown } from './known.ts';
import { dicomOptions, readSettings } from './settings.ts';

interface SpanRow {
  id: number;
  start: number;
  end: number;
  category: SpanCategoryName;
  source: string;
  confidence: number | null;
  review: SpanReview | null;
}

const toSpan = (r: SpanRow): ReviewSpan => ({ ...r });

export function spansOf(db: Db, reportId: number): SpanRow[] {
  return db
    .prepare(
      'SELECT id, start, end, category, source, confidence, review FROM text_spans WHERE report_id = ? ORDER BY start, end',
    )
    .all(reportId) as SpanRow[];
}

/** Replaces a report's undecided machine spans with `detected`, keeping every reviewed or added span. */
export function storeDetected(
  db: Db,
  reportId: number,
  detected: { start: number; end: number; category: string; source: string; confidence: number }[],
): void {
  db.prepare("DELETE FROM text_spans WHERE report_id = ? AND review IS NULL AND source != 'user'").run(
    reportId,
  );
  const upsert = db.prepare(
    `INSERT INTO text_spans (report_id, start, end, category, source, confidence) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (report_id, start, end, category) DO UPDATE SET source = excluded.source, confidence = excluded.confidence`,
  );
  for (const s of detected) upsert.run(reportId, s.start, s.end, s.category, s.source, s.confidence);
}

/** The spans that take effect, non-overlapping: overlapping ones unite under the longest one's category. */
export function effectiveSpans(rows: SpanRow[]): Candidate[] {
  const live = rows.filter((r) => r.review !== 'rejected').sort((a, b) => a.start - b.start || b.end - a.end);
  const out: (Candidate & { longest: number })[] = [];
  for (const r of live) {
    const last = out[out.length - 1];
    const len = r.end - r.start;
    if (last && r.start < last.end) {
      // A PHI category beats a placeholder; otherwise the longest span names the union.
      if ((len > last.longest && r.category !== 'REDACTED') || last.category === 'REDACTED') {
        last.category = r.category;
        last.longest = len;
      }
      last.end = Math.max(last.end, r.end);
      continue;
    }
    out.push({
      start: r.start,
      end: r.end,
      category: r.category,
      source: (r.source === 'user' ? 'rule:user' : r.source) as SpanSource,
      confidence: r.confidence ?? 1,
      longest: len,
    });
  }
  return out.map(({ longest: _longest, ...c }) => c);
}

export interface ReportContext {
  settings: DeidSettings;
  secret: Buffer;
  patient: PatientKnown;
  /** The NER model the job runs with the rules (part of the report's key), if any. */
  textModel?: string;
}

/** The settings of the run that did the report (or the project's, before any run), the key and the patient. */
export function reportContext(
  project: Project,
  reportId: number,
  patients?: Map<number, PatientKnown>,
): ReportContext {
  const db = project.db;
  const row = db
    .prepare(
      `SELECT studies.patient_id, deid_runs.options FROM reports JOIN studies ON studies.id = reports.study_id
       LEFT JOIN deid_runs ON deid_runs.id = reports.deid_run_id WHERE reports.id = ?`,
    )
    .get(reportId) as { patient_id: number; options: string | null } | undefined;
  if (!row) throw new ApiError('not-found', `No report ${reportId}.`);
  let patient = patients?.get(row.patient_id);
  if (!patient) {
    patient = knownForPatient(db, row.patient_id);
    patients?.set(row.patient_id, patient);
  }
  const settings = row.options ? (JSON.parse(row.options) as DeidSettings) : readSettings(db);
  return { settings, secret: project.secret(), patient };
}

/** Writes the report's de-identified text and sections from its stored spans. */
export function renderReport(db: Db, reportId: number, ctx: ReportContext): void {
  const raw = (db.prepare('SELECT raw_text FROM reports WHERE id = ?').pluck().get(reportId) ?? '') as string;
  const options = dicomOptions(ctx.settings);
  const { text } = applySpans(raw, effectiveSpans(spansOf(db, reportId)), {
    mode: ctx.settings.textMode,
    secret: ctx.secret,
    patientKey: ctx.patient.patientKey,
    shiftDays: textShiftDays({ secret: ctx.secret, options, patientKey: ctx.patient.patientKey }),
    known: ctx.patient.known,
  });
  db.prepare('UPDATE reports SET deid_text = ?, deid_sections = ? WHERE id = ?').run(
    text,
    JSON.stringify(sectionReport(text)),
    reportId,
  );
}

/** Hash of what a report's result depends on: a re-run skips the report while it is unchanged. */
export function reportKey(raw: string, ctx: ReportContext, appVersion: string): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        appVersion,
        ctx.settings.textMode,
        ctx.settings.longitudinal,
        ctx.settings.shiftRange,
        ctx.patient.known,
        createHash('sha256').update(ctx.secret).digest('hex'),
        raw,
        // Only when a model ran: without one, keys stay what they were before models existed.
        ...(ctx.textModel ? [`model:${ctx.textModel}`] : []),
        // Only for a linked patient, whose surrogates and shift follow the identity it took.
        ...(ctx.patient.linked ? [`identity:${ctx.patient.patientKey}`] : []),
      ]),
    )
    .digest('hex');
}

export function reportReview(db: Db, reportId: number): ReportReview {
  const r = db.prepare('SELECT id, study_id, raw_text, deid_text FROM reports WHERE id = ?').get(reportId) as
    { id: number; study_id: number; raw_text: string; deid_text: string | null } | undefined;
  if (!r) throw new ApiError('not-found', `No report ${reportId}.`);
  return {
    id: r.id,
    studyId: r.study_id,
    rawText: r.raw_text,
    deidText: r.deid_text,
    spans: spansOf(db, reportId).map(toSpan),
  };
}

export function reviewSpan(project: Project, spanId: number, review: SpanReview | null): ReportReview {
  const db = project.db;
  const reportId = db.prepare('SELECT report_id FROM text_spans WHERE id = ?').pluck().get(spanId) as
    number | undefined;
  if (reportId === undefined) throw new ApiError('not-found', `No span ${spanId}.`);
  const ctx = reportContext(project, reportId);
  db.transaction(() => {
    db.prepare('UPDATE text_spans SET review = ? WHERE id = ?').run(review, spanId);
    renderReport(db, reportId, ctx);
  })();
  return reportReview(db, reportId);
}

export function addSpan(
  project: Project,
  reportId: number,
  start: number,
  end: number,
  category: SpanCategoryName,
): ReportReview {
  const db = project.db;
  const ctx = reportContext(project, reportId);
  const length = (db.prepare('SELECT length(raw_text) FROM reports WHERE id = ?').pluck().get(reportId) ??
    0) as number;
  if (!(start >= 0 && end > start && end <= length))
    throw new ApiError('bad-request', `A span must lie inside the report (0..${length}) and not be empty.`);
  db.transaction(() => {
    db.prepare(
      `INSERT INTO text_spans (report_id, start, end, category, source, confidence, review)
       VALUES (?, ?, ?, ?, 'user', 1, 'accepted')
       ON CONFLICT (report_id, start, end, category) DO UPDATE SET review = 'accepted'`,
    ).run(reportId, start, end, category);
    renderReport(db, reportId, ctx);
  })();
  return reportReview(db, reportId);
}

/** Undecided spans, least certain first: lowest confidence, then model-only spans, then by report. */
export function reviewQueue(db: Db, limit: number): ReviewQueueItem[] {
  const rows = db
    .prepare(
      `SELECT id, report_id, start, end, category, source, confidence, review FROM text_spans
       WHERE review IS NULL AND category != 'REDACTED'
       ORDER BY coalesce(confidence, 0), source = 'model' DESC, report_id, start LIMIT ?`,
    )
    .all(Math.min(Math.max(limit, 0), 500)) as (SpanRow & { report_id: number })[];
  return rows.map(({ report_id, ...span }) => ({ reportId: report_id, span: toSpan(span) }));
}

export function listReports(
  db: Db,
  offset: number,
  limit: number,
): { total: number; items: ReportListItem[] } {
  const total = db.prepare('SELECT count(*) FROM reports').pluck().get() as number;
  const rows = db
    .prepare(
      `SELECT reports.id, reports.study_id, reports.deid_text IS NOT NULL AS done,
         (SELECT count(*) FROM text_spans WHERE report_id = reports.id AND category != 'REDACTED') AS spans,
         (SELECT count(*) FROM text_spans WHERE report_id = reports.id AND review IS NULL AND category != 'REDACTED') AS to_review
       FROM reports ORDER BY reports.id LIMIT ? OFFSET ?`,
    )
    .all(Math.min(Math.max(limit, 0), 1000), Math.max(offset, 0)) as {
    id: number;
    study_id: number;
    done: number;
    spans: number;
    to_review: number;
  }[];
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      studyId: r.study_id,
      spans: r.spans,
      toReview: r.to_review,
      done: r.done === 1,
    })),
  };
}
