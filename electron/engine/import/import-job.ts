import fs from 'node:fs';
import path from 'node:path';
import type { ImportFormat, ImportSummary } from '../../api/contract.ts';
import { ApiError } from '../errors.ts';
import type { JobContext } from '../jobs/jobs.ts';
import { WorkerPool, siblingModule } from '../jobs/worker-pool.ts';
import type { Project } from '../project/project.ts';
import { detectFormat } from './detect.ts';
import type { ImportTask } from './import-worker.ts';
import type { ProcessedFile } from './process-dicom-file.ts';
import { walkFiles } from './walk.ts';
import { ResultWriter, type FileOutcome } from './write-results.ts';

export interface ImportPlan {
  source: string;
  format: Exclude<ImportFormat, 'auto'>;
  sourceIsFile: boolean;
}

/** Formats the import can read today; the others answer "not available yet" before anything is written. */
const AVAILABLE: ReadonlySet<ImportFormat> = new Set(['dicom']);

const BATCH_SIZE = 64;
const BATCH_MS = 250;

/**
 * Checks the source before a job exists, so a missing or unreadable source fails fast and leaves the project
 * unchanged.
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
  if (!AVAILABLE.has(resolved)) {
    throw new ApiError(
      'unavailable',
      `Importing the ${resolved} layout is not available yet; use --format dicom to import only its DICOM files.`,
    );
  }
  return { source: abs, format: resolved, sourceIsFile: st.isFile() };
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

/**
 * Imports a DICOM folder: a streaming walk feeds a worker pool (bounded in flight, so memory stays flat on
 * huge trees), results are written in batched transactions, unchanged files are skipped. Cancel stops the
 * walk, lets in-flight files finish, and keeps everything committed.
 */
export async function runImport(project: Project, plan: ImportPlan, ctx: JobContext): Promise<string> {
  const srcId = sourceId(project, plan);
  const writer = new ResultWriter(project.db, srcId, ctx.id);
  const known = project.db.prepare('SELECT size, mtime_ms FROM files WHERE source_id = ? AND rel_path = ?');
  const pool = new WorkerPool<ImportTask, ProcessedFile>(siblingModule(import.meta.url, 'import-worker'));
  const maxInFlight = pool.capacity * 2;
  const projectDir = project.dir + path.sep;

  let total = 0;
  let done = 0;
  let errors = 0;
  let batch: FileOutcome[] = [];
  let lastFlush = performance.now();
  const inFlight = new Set<Promise<void>>();

  const flush = () => {
    if (batch.length === 0) return;
    writer.writeBatch(batch);
    batch = [];
    lastFlush = performance.now();
  };
  const settle = (o: FileOutcome) => {
    batch.push(o);
    done++;
    if (o.result.kind === 'error') errors++;
    if (batch.length >= BATCH_SIZE || performance.now() - lastFlush >= BATCH_MS) flush();
    ctx.progress({ done, errors });
  };

  try {
    ctx.progress({ message: 'reading files' });
    for await (const entry of walkFiles(plan.source)) {
      if (ctx.signal.aborted) break;
      if (entry.kind === 'file' && entry.abs.startsWith(projectDir)) continue; // never import the project itself
      total++;
      ctx.progress({ total });
      if (entry.kind === 'unreadable') {
        flush();
        writer.recordUnreadable(entry.rel, entry.reason);
        done++;
        errors++;
        ctx.progress({ done, errors });
        continue;
      }
      const prev = known.get(srcId, entry.rel) as { size: number; mtime_ms: number } | undefined;
      if (prev && prev.size === entry.size && prev.mtime_ms === entry.mtimeMs) {
        done++;
        ctx.progress({ done });
        continue;
      }
      const task = pool
        .run({ path: entry.abs, cacheDir: project.cacheDir })
        .catch((err: unknown): ProcessedFile => ({
          kind: 'error',
          reason: err instanceof Error ? err.message : String(err),
        }))
        .then((result) => settle({ rel: entry.rel, size: entry.size, mtimeMs: entry.mtimeMs, result }));
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
    flush();
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
  const errors = db
    .prepare(
      "SELECT rel_path AS path, reason FROM files WHERE job_id = ? AND status = 'error' ORDER BY rel_path",
    )
    .all(jobId) as { path: string; reason: string }[];
  return {
    imported,
    reports,
    skipped: byStatus('skipped'),
    unchanged: Math.max(0, job.done - touched),
    errors,
  };
}
