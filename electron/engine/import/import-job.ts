import fs from 'node:fs';
import path from 'node:path';
import type { ImportFormat, ImportSummary } from '../../api/contract.ts';
import { ApiError } from '../errors.ts';
import type { JobContext } from '../jobs/jobs.ts';
import { WorkerPool, fileTaskLimits, siblingModule } from '../jobs/worker-pool.ts';
import type { Project } from '../project/project.ts';
import { storageCodeInReason, storageErrorFromCode } from '../storage-errors.ts';
import { detectFormat } from './detect.ts';
import type { ImportTask, TaskResult } from './import-worker.ts';
import { dicomLayout } from './layouts/dicom-layout.ts';
import { findManifest, isManifest, manifestLayout } from './layouts/manifest-layout.ts';
import { mimicLayout } from './layouts/mimic-layout.ts';
import { findPadchestCsv, padchestLayout } from './layouts/padchest-layout.ts';
import type { ImportItem, Layout } from './layouts/types.ts';
import { ResultWriter, type BatchEntry } from './write-results.ts';

export interface ImportPlan {
  source: string;
  format: Exclude<ImportFormat, 'auto'>;
  sourceIsFile: boolean;
  /** PADCHEST: the labels CSV's name inside the source folder. */
  csv?: string;
  /** Manifest: the manifest file's absolute path (the source itself, or the one found inside it). */
  manifest?: string;
}

const BATCH_SIZE = 64;
const BATCH_MS = 250;

/**
 * Checks the source before a job exists, so a missing or unreadable source, or one that lacks what its layout
 * needs, fails fast and leaves the project unchanged.
 */
export function planImport(source: string, format: ImportFormat = 'auto'): ImportPlan {
  const abs = path.resolve(source);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
    fs.accessSync(abs, fs.constants.R_OK);
    if (st.isDirectory()) fs.readdirSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable'
          : `cannot be read (${code})`;
    throw new ApiError('bad-request', `Source ${abs} ${why}.`);
  }
  const resolved = format === 'auto' ? detectFormat(abs).format : format;
  const plan: ImportPlan = { source: abs, format: resolved, sourceIsFile: st.isFile() };
  const needFolder = () => {
    if (plan.sourceIsFile)
      throw new ApiError('bad-request', `The ${resolved} layout is a folder; ${abs} is a file.`);
  };
  if (resolved === 'mimic-cxr' || resolved === 'mimic-cxr-jpg') needFolder();
  if (resolved === 'padchest') {
    needFolder();
    const csv = findPadchestCsv(abs);
    if (!csv) throw new ApiError('bad-request', `No PADCHEST_*.csv in ${abs}.`);
    plan.csv = csv;
  }
  if (resolved === 'manifest') {
    const manifest = plan.sourceIsFile ? (isManifest(abs) ? abs : null) : findManifest(abs);
    if (!manifest) {
      throw new ApiError(
        'bad-request',
        `No manifest in ${abs}: a .jsonl, or a .csv with a path, image, image_path or file column.`,
      );
    }
    plan.manifest = plan.sourceIsFile ? manifest : path.join(abs, manifest);
  }
  return plan;
}

/** Finds or adds the source row; sources are keyed by their absolute path. */
export function sourceId(project: Project, plan: ImportPlan): number {
  const row = project.db
    .prepare(
      `INSERT INTO sources (path, format, added_at) VALUES (?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET format = excluded.format RETURNING id`,
    )
    .get(plan.source, plan.format, new Date().toISOString()) as { id: number };
  return row.id;
}

async function openLayout(plan: ImportPlan, projectDir: string): Promise<Layout> {
  switch (plan.format) {
    case 'dicom':
      return dicomLayout(plan.source, projectDir);
    case 'mimic-cxr':
    case 'mimic-cxr-jpg':
      return mimicLayout(plan.source, projectDir);
    case 'padchest':
      return padchestLayout(plan.source, plan.csv!, projectDir);
    case 'manifest':
      return manifestLayout(plan.manifest!);
  }
}

/**
 * Imports a source in its layout: the layout yields items (files with their patient/study context, plus
 * files to record as skipped or broken), a worker pool reads them (bounded in flight, so memory stays flat on
 * huge trees), and results are written in batched transactions. Unchanged files (path, size, mtime) are not
 * read again. When a CSV the layout read is new or changed (or a run died before finishing with it), the
 * unchanged files' studies get their records (labels, split, reports) re-applied without re-reading pixels.
 * Cancel stops the listing, lets in-flight files finish, and keeps everything committed.
 */
export async function runImport(project: Project, plan: ImportPlan, ctx: JobContext): Promise<string> {
  const srcId = sourceId(project, plan);
  const writer = new ResultWriter(project.db, srcId, ctx.id);
  const known = project.db.prepare(
    'SELECT size, mtime_ms, status FROM files WHERE source_id = ? AND rel_path = ?',
  );
  const unchanged = (rel: string, size: number, mtimeMs: number) => {
    const prev = known.get(srcId, rel) as { size: number; mtime_ms: number } | undefined;
    return !!prev && size >= 0 && prev.size === size && prev.mtime_ms === mtimeMs;
  };

  let total = 0;
  let done = 0;
  let errors = 0;
  let batch: BatchEntry[] = [];
  let lastFlush = performance.now();
  const flush = () => {
    if (batch.length === 0) return;
    writer.writeBatch(batch);
    batch = [];
    lastFlush = performance.now();
  };
  const push = (e: BatchEntry) => {
    batch.push(e);
    if (batch.length >= BATCH_SIZE || performance.now() - lastFlush >= BATCH_MS) flush();
  };
  const settle = (e: BatchEntry & { kind: 'outcome' }) => {
    done++;
    if (e.result.kind === 'error') errors++;
    push(e);
    ctx.progress({ done, errors });
  };

  ctx.progress({ message: 'reading the layout' });
  const layout = await openLayout(plan, project.dir + path.sep);
  let refresh = false;
  for (const side of layout.sideFiles) {
    const changed = !unchanged(side.rel, side.size, side.mtimeMs);
    refresh ||= changed;
    writer.openSideFile(side.rel, changed, side.error);
    total++;
    if (side.error && changed) errors++;
    if (!changed) done++;
  }
  ctx.progress({ total, done, errors });

  let storageFailure: Error | null = null;
  const pool = new WorkerPool<ImportTask, TaskResult>(
    siblingModule(import.meta.url, 'import-worker'),
    undefined,
    fileTaskLimits(),
  );
  const maxInFlight = pool.capacity * 2;
  const inFlight = new Set<Promise<void>>();
  try {
    ctx.progress({ message: 'reading files' });
    for await (const item of layout.items(ctx.signal) as AsyncIterable<ImportItem>) {
      if (ctx.signal.aborted || storageFailure) break;
      total++;
      ctx.progress({ total });
      if (item.kind === 'error') {
        const e: BatchEntry = {
          kind: 'outcome',
          rel: item.rel,
          size: item.size,
          mtimeMs: item.mtimeMs,
          result: { kind: 'error', reason: item.reason },
        };
        if (item.study) e.study = item.study;
        settle(e);
        continue;
      }
      if (unchanged(item.rel, item.size, item.mtimeMs)) {
        if (refresh && item.kind === 'file' && item.study) push({ kind: 'touch', study: item.study });
        done++;
        ctx.progress({ done });
        continue;
      }
      if (item.kind === 'skip') {
        const { rel, size, mtimeMs, reason } = item;
        settle({ kind: 'outcome', rel, size, mtimeMs, result: { kind: 'skipped', reason } });
        continue;
      }
      const task = pool
        .run({ kind: item.task, path: item.abs, cacheDir: project.cacheDir })
        .catch((err: unknown): TaskResult => ({
          kind: 'error',
          reason: err instanceof Error ? err.message : String(err),
        }))
        .then((result) => {
          // A full or read-only project disk stops the import; the file is not recorded, so a re-run reads it.
          if (storageFailure) return;
          const storage = result.kind === 'error' ? storageCodeInReason(result.reason) : null;
          if (storage) {
            storageFailure = storageErrorFromCode(storage, project.cacheDir);
            return;
          }
          const e: BatchEntry = {
            kind: 'outcome',
            rel: item.rel,
            size: item.size,
            mtimeMs: item.mtimeMs,
            result,
          };
          if (item.study) e.study = item.study;
          if (item.image) e.image = item.image;
          // A failing write (SQLite on a full disk) is kept, not thrown: thrown here it would be an unhandled
          // rejection that kills the process with a stack trace.
          try {
            settle(e);
          } catch (err) {
            storageFailure ??= err as Error;
          }
        });
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    }
    ctx.progress({
      total,
      totalKnown: !ctx.signal.aborted,
      message: ctx.signal.aborted ? 'cancelling' : 'finishing',
    });
    await Promise.all(inFlight);
    // Before the last flush: a batch whose transaction failed must not be written again.
    if (storageFailure) throw storageFailure;
    flush();
    // Side files are complete only once every item that uses them is written.
    if (!ctx.signal.aborted) {
      for (const side of layout.sideFiles) {
        if (unchanged(side.rel, side.size, side.mtimeMs)) continue;
        writer.completeSideFile(side.rel, side.size, side.mtimeMs, side.error);
        done++;
      }
      ctx.progress({ done });
    }
  } finally {
    await pool.close();
  }
  const verb = ctx.signal.aborted ? 'cancelled after' : 'read';
  return `${verb} ${done} of ${total} files, ${errors} with errors`;
}

/** What one import job did, from the store (so it is also right for a job that was resumed or cancelled). */
export function importSummary(project: Project, jobId: string): ImportSummary {
  const db = project.db;
  const job = db.prepare('SELECT done FROM jobs WHERE id = ?').get(jobId) as { done: number } | undefined;
  if (!job) throw new ApiError('not-found', `No job ${jobId}.`);
  const counts = db
    .prepare('SELECT status, count(*) AS n FROM files WHERE job_id = ? GROUP BY status')
    .all(jobId) as { status: string; n: number }[];
  const byStatus = (s: string) => counts.find((c) => c.status === s)?.n ?? 0;
  const touched = counts.reduce((a, c) => a + c.n, 0);
  const imported = (
    db
      .prepare(
        'SELECT count(*) AS n FROM images JOIN files ON files.id = images.file_id WHERE files.job_id = ?',
      )
      .get(jobId) as {
      n: number;
    }
  ).n;
  const reports = (
    db
      .prepare(
        'SELECT count(*) AS n FROM reports JOIN files ON files.id = reports.file_id WHERE files.job_id = ?',
      )
      .get(jobId) as {
      n: number;
    }
  ).n;
  const filesWith = (status: string) =>
    db
      .prepare('SELECT rel_path AS path, reason FROM files WHERE job_id = ? AND status = ? ORDER BY rel_path')
      .all(jobId, status) as { path: string; reason: string }[];
  const errors = filesWith('error');
  return {
    imported,
    reports,
    skipped: byStatus('skipped'),
    skippedFiles: filesWith('skipped'),
    unchanged: Math.max(0, job.done - touched),
    errors,
  };
}
