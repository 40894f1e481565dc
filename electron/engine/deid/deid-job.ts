/**
 * The de-identification job: every image's header through the DICOM engine (PNG/JPEG images only through the
 * pixel text detector), then every report through the text engine, in a worker pool, with results written in
 * batched transactions. Results are keyed per image and per report and replace the previous run's; an image or
 * report whose inputs (options, key, source file, app version) are unchanged since the run that did it is
 * skipped, so a cancelled or interrupted run resumes where it stopped. A person's quarantine decisions and
 * span reviews are never overwritten.
 */
import { createHash } from 'node:crypto';
import type { DeidSettings, DeidSummary } from '../../api/deid.ts';
import { ApiError } from '../errors.ts';
import type { JobContext } from '../jobs/jobs.ts';
import { WorkerPool, fileTaskLimits, siblingModule } from '../jobs/worker-pool.ts';
import type { Db } from '../project/database.ts';
import type { Project } from '../project/project.ts';
import type { DeidTask, DeidTaskResult, QuarantineFinding } from './deid-worker.ts';
import { sourceFile } from './images.ts';
import { type PatientKnown, knownForPatient } from './known.ts';
import { type ReportContext, renderReport, reportKey, storeDetected } from './reports.ts';
import { dicomOptions, readSettings } from './settings.ts';
import {
  chooseModel,
  chooseTextModel,
  loadModelLayer,
  requirePinned,
  type RunnerNerModel,
  runnerNerModel,
} from './text-model.ts';
import { type PixelTextDecision, readPixelText } from '../burned-text/index.ts';
import { type KnownIdentifiers, modelCandidates } from '../deid-text/index.ts';
import type { ModelRunner } from '../../../native-models/index.ts';
import { identityKeySql } from '../patients/identity.ts';

const PROFILE = 'PS3.15 E.1-1 Basic Application Level Confidentiality Profile';
const BATCH_SIZE = 64;
const BATCH_MS = 250;
/** Reports per call to the text model. */
const MODEL_BATCH = 16;

/** What `deid_runs.options` records beside the settings: the models that ran and their devices. */
interface RunRecord extends DeidSettings {
  textModelRun?: { id: string; device: string | null } | null;
  pixelTextModelRun?: { id: string; device: string | null } | null;
}

/** A worker's result for an image, with the OCR decisions when the model read it (its views are dropped). */
type ImageOutcome =
  | (Exclude<DeidTaskResult, { kind: 'report' }> & { pixelText?: PixelTextDecision[] })
  | { kind: 'error'; reason: string };

interface FileRow {
  file_id: number;
  source: string;
  rel: string;
  size: number;
  mtime_ms: number;
  transfer_syntax: string;
  patient_id: number;
  /** The identity key (a linked patient's root's); own_key is the patient's own. */
  patient_key: string;
  own_key: string;
  image_ids: string;
  /** The frame of each image in image_ids, in the same order. */
  frames: string;
  keys: string | null;
}

type Write = () => void;

/** The images' input key: the text model is not an input of an image (reports key it themselves). */
function runKey(settings: DeidSettings, secret: Buffer, appVersion: string): string {
  const { textModel: _textModel, ...imageSettings } = settings;
  void _textModel;
  return createHash('sha256')
    .update(JSON.stringify([appVersion, imageSettings, createHash('sha256').update(secret).digest('hex')]))
    .digest('hex');
}

function fileKey(base: string, f: FileRow): string {
  // A linked patient's files are redone under the identity they now take; unlinked keys stay as they were.
  const identity = f.patient_key === f.own_key ? '' : `\u0000identity:${f.patient_key}`;
  return createHash('sha256')
    .update(`${base}\u0000${f.source}\u0000${f.rel}\u0000${f.size}\u0000${f.mtime_ms}${identity}`)
    .digest('hex');
}

const isRaster = (transferSyntax: string) => transferSyntax.startsWith('image/');

class Writer {
  private readonly db: Db;
  private readonly runId: number;
  private readonly stmts;

  constructor(db: Db, runId: number) {
    this.db = db;
    this.runId = runId;
    this.stmts = {
      clearActions: db.prepare('DELETE FROM deid_actions WHERE image_id = ?'),
      action: db.prepare(
        'INSERT OR REPLACE INTO deid_actions (run_id, image_id, tag, action) VALUES (?, ?, ?, ?)',
      ),
      link: db.prepare('INSERT OR IGNORE INTO linkage (kind, original, pseudonym) VALUES (?, ?, ?)'),
      shift: db.prepare(
        'INSERT INTO date_shifts (patient_id, shift_days) VALUES (?, ?) ON CONFLICT (patient_id) DO UPDATE SET shift_days = excluded.shift_days',
      ),
      quarantine: db.prepare(
        `INSERT INTO quarantine (image_id, reason, source, regions) VALUES (?, ?, ?, ?)
         ON CONFLICT (image_id) DO UPDATE SET reason = excluded.reason, source = excluded.source, regions = excluded.regions
         WHERE quarantine.decision IS NULL`,
      ),
      unquarantine: db.prepare('DELETE FROM quarantine WHERE image_id = ? AND decision IS NULL'),
      clearText: db.prepare('DELETE FROM pixel_text WHERE image_id = ?'),
      text: db.prepare(
        `INSERT INTO pixel_text (image_id, run_id, view, x, y, width, height, category, reason, text, score, rotation, source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      image: db.prepare(
        `INSERT INTO deid_images (image_id, run_id, input_key, status, reason, transfer_syntax_changed) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (image_id) DO UPDATE SET run_id = excluded.run_id, input_key = excluded.input_key,
           status = excluded.status, reason = excluded.reason, transfer_syntax_changed = excluded.transfer_syntax_changed`,
      ),
      reportDone: db.prepare('UPDATE reports SET deid_run_id = ?, deid_key = ? WHERE id = ?'),
      reportFailed: db.prepare(
        'UPDATE reports SET deid_run_id = ?, deid_key = NULL, deid_text = NULL, deid_sections = NULL WHERE id = ?',
      ),
    };
  }

  private quarantine(imageId: number, q: QuarantineFinding | null): void {
    if (q === null) this.stmts.unquarantine.run(imageId);
    else {
      const regions = q.regions.map(({ x, y, width, height }) => ({ x, y, width, height }));
      this.stmts.quarantine.run(imageId, q.reason, q.source, JSON.stringify(regions));
    }
  }

  /** The OCR decisions of each frame; text the engine is unsure of sends every frame of the file to review. */
  private pixelText(ids: number[], frames: number[], result: ImageOutcome, model: string | null): void {
    if (result.kind === 'error') return;
    for (const id of ids) this.stmts.clearText.run(id);
    const decisions = result.pixelText ?? [];
    for (const d of decisions) {
      const id = ids[frames.indexOf(d.frame)] ?? ids[0];
      this.stmts.text.run(
        id,
        this.runId,
        d.view,
        d.x,
        d.y,
        d.width,
        d.height,
        d.category,
        d.reason,
        d.text,
        d.score,
        d.rotation,
        `ocr:${model ?? ''}`,
      );
    }
    const unsure = decisions.filter((d) => d.category === 'unsure');
    if (result.quarantine === null && unsure.length > 0)
      result.quarantine = {
        reason: `burned-in text the engine is unsure about (${unsure.length} line${unsure.length === 1 ? '' : 's'}; what was read is listed for review)`,
        source: 'ocr',
        regions: unsure.map(({ x, y, width, height }) => ({ x, y, width, height })),
      };
  }

  image(f: FileRow, key: string, result: ImageOutcome, ocrModel: string | null): void {
    const ids = f.image_ids.split(',').map(Number);
    this.pixelText(ids, f.frames.split(',').map(Number), result, ocrModel);
    for (const id of ids) {
      if (result.kind === 'error') {
        this.stmts.image.run(id, this.runId, '', 'error', result.reason, 0);
        continue;
      }
      if (result.kind === 'raster') {
        this.stmts.clearActions.run(id);
        this.quarantine(id, result.quarantine);
        this.stmts.image.run(id, this.runId, key, 'not-applicable', 'PNG or JPEG: no header', 0);
        continue;
      }
      this.stmts.clearActions.run(id);
      for (const a of result.actions) this.stmts.action.run(this.runId, id, a.tag, a.action);
      this.quarantine(id, result.quarantine);
      this.stmts.image.run(id, this.runId, key, 'done', null, result.transferSyntaxChanged ? 1 : 0);
    }
    if (result.kind === 'dicom') {
      for (const l of result.linkage) this.stmts.link.run(l.kind, l.original, l.pseudonym);
      this.stmts.shift.run(f.patient_id, result.shiftDays);
    }
  }

  report(
    reportId: number,
    key: string,
    ctx: ReportContext,
    result: DeidTaskResult | { kind: 'error'; reason: string },
  ): void {
    if (result.kind !== 'report') {
      this.stmts.reportFailed.run(this.runId, reportId);
      return;
    }
    storeDetected(this.db, reportId, result.spans);
    this.stmts.reportDone.run(this.runId, key, reportId);
    renderReport(this.db, reportId, ctx);
  }
}

/** Starts a run: its row records the options, so export regenerates exactly what the run recorded. */
export function createRun(db: Db, jobId: string, settings: DeidSettings): number {
  return Number(
    db
      .prepare('INSERT INTO deid_runs (job_id, profile, options, created_at) VALUES (?, ?, ?, ?)')
      .run(jobId, PROFILE, JSON.stringify(settings), new Date().toISOString()).lastInsertRowid,
  );
}

export async function runDeid(project: Project, ctx: JobContext, appVersion: string): Promise<string> {
  const db = project.db;
  const settings = readSettings(db);
  const options = dicomOptions(settings);
  const secret = project.secret();
  // The models are chosen before anything is written: a named model that is not installed fails the job.
  const layer =
    settings.textModel === 'off' && settings.pixelTextModel === 'off' ? null : await loadModelLayer();
  const textModel = chooseTextModel(layer, settings.textModel, project.dir);
  const ocrModel = chooseModel(layer, settings.pixelTextModel, 'text-ocr', 'OCR model', project.dir);
  if (ocrModel && layer) await requirePinned(layer, ocrModel, project.dir);
  const runId = createRun(db, ctx.id, settings);
  const record: RunRecord = {
    ...settings,
    ...(textModel ? { textModelRun: { id: textModel.id, device: null } } : {}),
    ...(ocrModel ? { pixelTextModelRun: { id: ocrModel.id, device: null } } : {}),
  };
  const recordDevice = (which: 'textModelRun' | 'pixelTextModelRun', device: string) => {
    const run = record[which];
    if (!run || run.device === device) return;
    run.device = device;
    db.prepare('UPDATE deid_runs SET options = ? WHERE id = ?').run(JSON.stringify(record), runId);
  };
  db.prepare('UPDATE deid_runs SET options = ? WHERE id = ?').run(JSON.stringify(record), runId);
  let runner: ModelRunner | null = null;
  let ner: RunnerNerModel | null = null;
  if ((textModel || ocrModel) && layer)
    runner = new layer.ModelRunner({
      models: { dirs: layer.resolveModelDirs({ projectDir: project.dir }) },
      device: 'auto',
    });
  if (textModel && runner) ner = runnerNerModel(runner, textModel.id, ctx.signal);
  /** OCR of the views a worker returned, then the decisions; a model failure sends the image to review. */
  const readText = async (r: DeidTaskResult, known: KnownIdentifiers): Promise<ImageOutcome> => {
    if (r.kind === 'report') return { kind: 'error', reason: 'a report result for an image' };
    const { views, ...rest } = r;
    if (!ocrModel || !runner || !views || views.length === 0) return rest;
    try {
      const { decisions, run } = await readPixelText(runner, ocrModel.id, views, known, ctx.signal);
      recordDevice('pixelTextModelRun', run.device);
      return { ...rest, pixelText: decisions };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const why = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
      return {
        ...rest,
        quarantine: rest.quarantine ?? {
          reason: `pixels could not be read by the OCR model: ${why}`,
          source: 'error',
          regions: [],
        },
      };
    }
  };
  const writer = new Writer(db, runId);
  const base = runKey(settings, secret, appVersion);

  const files = db
    .prepare(
      `SELECT files.id AS file_id, sources.path AS source, files.rel_path AS rel, files.size, files.mtime_ms,
         min(images.transfer_syntax) AS transfer_syntax, studies.patient_id, ${identityKeySql('patients')} AS patient_key,
         patients.patient_key AS own_key, group_concat(images.id) AS image_ids, group_concat(images.frame) AS frames,
         group_concat(DISTINCT deid_images.input_key) AS keys
       FROM images JOIN files ON files.id = images.file_id JOIN sources ON sources.id = files.source_id
       JOIN series ON series.id = images.series_id JOIN studies ON studies.id = series.study_id
       JOIN patients ON patients.id = studies.patient_id
       LEFT JOIN deid_images ON deid_images.image_id = images.id
       GROUP BY files.id ORDER BY files.id`,
    )
    .all() as FileRow[];
  const reports = db
    .prepare(
      `SELECT reports.id, reports.raw_text, studies.patient_id, reports.deid_key FROM reports
       JOIN studies ON studies.id = reports.study_id ORDER BY reports.id`,
    )
    .all() as { id: number; raw_text: string; patient_id: number; deid_key: string | null }[];

  let done = 0;
  let errors = 0;
  ctx.progress({ total: files.length + reports.length, totalKnown: true, message: 'de-identifying images' });
  let batch: Write[] = [];
  let lastFlush = performance.now();
  const flush = () => {
    if (batch.length === 0) return;
    const writes = batch;
    batch = [];
    db.transaction(() => {
      for (const w of writes) w();
    })();
    lastFlush = performance.now();
  };
  const settle = (w: Write, failed: boolean) => {
    done++;
    if (failed) errors++;
    batch.push(w);
    if (batch.length >= BATCH_SIZE || performance.now() - lastFlush >= BATCH_MS) flush();
    ctx.progress({ done, errors });
  };

  const patients = new Map<number, PatientKnown>();
  const patient = (id: number): PatientKnown => {
    let p = patients.get(id);
    if (!p) patients.set(id, (p = knownForPatient(db, id)));
    return p;
  };

  const pool = new WorkerPool<DeidTask, DeidTaskResult>(
    siblingModule(import.meta.url, 'deid-worker'),
    undefined,
    fileTaskLimits(),
  );
  const maxInFlight = pool.capacity * 2;
  const inFlight = new Set<Promise<void>>();
  // A write that fails (a full disk) is kept and thrown once the tasks in flight are settled: thrown inside a
  // task's callback it became an unhandled rejection that killed the process with a stack trace.
  let writeFailure: unknown = null;
  const stopped = () => ctx.signal.aborted || writeFailure !== null;
  const settled = async () => {
    await Promise.all(inFlight);
    if (writeFailure !== null) throw writeFailure;
    flush();
  };
  const submit = async <R = DeidTaskResult>(
    task: DeidTask,
    onResult: (r: R | { kind: 'error'; reason: string }) => void,
    then: (r: DeidTaskResult) => R | Promise<R> = (r) => r as R,
  ) => {
    const p = pool
      .run(task)
      .then(then)
      .catch((err: unknown) => ({
        kind: 'error' as const,
        reason: err instanceof Error ? err.message : String(err),
      }))
      .then((r) => {
        if (writeFailure !== null) return;
        try {
          onResult(r);
        } catch (err) {
          writeFailure = err;
        }
      });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  };

  try {
    for (const f of files) {
      if (stopped()) break;
      const key = fileKey(base, f);
      if (f.keys === key) {
        done++;
        ctx.progress({ done });
        continue;
      }
      const abs = sourceFile(f.source, f.rel);
      const known = patient(f.patient_id).known;
      const ocr = ocrModel !== null;
      const task: DeidTask = isRaster(f.transfer_syntax)
        ? { kind: 'raster', path: abs, ocr }
        : {
            kind: 'dicom',
            path: abs,
            secret,
            options,
            textMode: settings.textMode,
            patientKey: f.patient_key,
            known,
            appVersion,
            ocr,
          };
      await submit<ImageOutcome>(
        task,
        (r) => settle(() => writer.image(f, key, r, ocrModel?.id ?? null), r.kind === 'error'),
        (r) => readText(r, known),
      );
    }
    await settled();
    if (!ctx.signal.aborted)
      ctx.progress({
        message: textModel ? `de-identifying reports (rules and ${textModel.id})` : 'de-identifying reports',
      });
    const pending: { r: (typeof reports)[number]; rctx: ReportContext; key: string }[] = [];
    for (const r of reports) {
      const rctx: ReportContext = {
        settings,
        secret,
        patient: patient(r.patient_id),
        ...(textModel ? { textModel: textModel.id } : {}),
      };
      const key = reportKey(r.raw_text, rctx, appVersion);
      if (r.deid_key === key) {
        done++;
        ctx.progress({ done });
      } else pending.push({ r, rctx, key });
    }
    for (let i = 0; i < pending.length && !ctx.signal.aborted; i += MODEL_BATCH) {
      const chunk = pending.slice(i, i + MODEL_BATCH);
      // The model runs in its own process, a batch at a time; its spans go with each report to the rules.
      let predicted: Awaited<ReturnType<RunnerNerModel['predictMany']>> = [];
      if (ner) {
        try {
          predicted = await ner.predictMany(chunk.map((p) => p.r.raw_text));
        } catch (err) {
          if (ctx.signal.aborted) break;
          throw new Error(`text model ${textModel!.id} failed: ${(err as Error).message}`, { cause: err });
        }
        const device = ner.device();
        if (device) recordDevice('textModelRun', device);
      }
      for (const [k, { r, rctx, key }] of chunk.entries()) {
        if (stopped()) break;
        const extra = ner ? modelCandidates(r.raw_text, predicted[k] ?? []) : [];
        await submit(
          {
            kind: 'report',
            text: r.raw_text,
            known: rctx.patient.known,
            ...(extra.length > 0 ? { extra } : {}),
          },
          (res) => settle(() => writer.report(r.id, key, rctx, res), res.kind === 'error'),
        );
      }
    }
    ctx.progress({ message: ctx.signal.aborted ? 'cancelling' : 'finishing' });
    await settled();
  } finally {
    await pool.close();
    runner?.close();
  }
  const verb = ctx.signal.aborted ? 'cancelled after' : 'de-identified';
  return `${verb} ${done} of ${files.length + reports.length} files and reports, ${errors} with errors`;
}

/** What one deid job did, from the store (so it is right for a resumed or cancelled job too). */
export function deidSummary(db: Db, jobId: string): DeidSummary {
  const run = db
    .prepare('SELECT id FROM deid_runs WHERE job_id = ? ORDER BY id DESC LIMIT 1')
    .pluck()
    .get(jobId) as number | undefined;
  if (run === undefined) throw new ApiError('not-found', `No de-identification run for job ${jobId}.`);
  const byStatus = db
    .prepare('SELECT status, count(*) AS n FROM deid_images WHERE run_id = ? GROUP BY status')
    .all(run) as { status: string; n: number }[];
  const n = (s: string) => byStatus.find((r) => r.status === s)?.n ?? 0;
  const images = db.prepare('SELECT count(*) FROM images').pluck().get() as number;
  const reportsProcessed = db
    .prepare('SELECT count(*) FROM reports WHERE deid_run_id = ? AND deid_text IS NOT NULL')
    .pluck()
    .get(run) as number;
  const reports = db.prepare('SELECT count(*) FROM reports').pluck().get() as number;
  const failedReports = db
    .prepare('SELECT id FROM reports WHERE deid_run_id = ? AND deid_text IS NULL ORDER BY id')
    .pluck()
    .all(run) as number[];
  const spans = db
    .prepare(
      `SELECT category, count(*) AS n FROM text_spans JOIN reports ON reports.id = text_spans.report_id
       WHERE reports.deid_run_id = ? AND (text_spans.review IS NULL OR text_spans.review = 'accepted')
       GROUP BY category ORDER BY category`,
    )
    .all(run) as { category: string; n: number }[];
  const imageErrors = db
    .prepare(
      "SELECT image_id, reason FROM deid_images WHERE run_id = ? AND status = 'error' ORDER BY image_id",
    )
    .all(run) as { image_id: number; reason: string }[];
  const processedImages = n('done') + n('not-applicable') + n('error');
  const options = db.prepare('SELECT options FROM deid_runs WHERE id = ?').pluck().get(run) as string;
  const textModelRun = (JSON.parse(options) as RunRecord).textModelRun ?? null;
  const pixelText = db
    .prepare(
      'SELECT category, count(*) AS n FROM pixel_text WHERE run_id = ? GROUP BY category ORDER BY category',
    )
    .all(run) as { category: string; n: number }[];
  return {
    runId: run,
    imagesProcessed: n('done'),
    imagesUnchanged: Math.max(0, images - processedImages),
    imagesNotApplicable: n('not-applicable'),
    quarantined: db.prepare('SELECT count(*) FROM quarantine WHERE decision IS NULL').pluck().get() as number,
    pixelText: Object.fromEntries(pixelText.map((t) => [t.category, t.n])),
    reportsProcessed,
    reportsUnchanged: Math.max(0, reports - reportsProcessed - failedReports.length),
    spansByCategory: Object.fromEntries(spans.map((s) => [s.category, s.n])),
    errors: [
      ...imageErrors.map((e) => ({ item: `image ${e.image_id}`, reason: e.reason })),
      ...failedReports.map((id) => ({
        item: `report ${id}`,
        reason: 'the text engine failed on this report',
      })),
    ],
    textModel: textModelRun,
  };
}
