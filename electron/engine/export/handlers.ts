import path from 'node:path';
import { checkExportTarget } from '../project/overlap.ts';
import type { ExportInvoke, ExportOptions, ExportResult } from '../../api/export.ts';
import type { EngineContext, HandlersFor } from '../context.ts';
import { ApiError } from '../errors.ts';
import { asStorageError } from '../storage-errors.ts';
import type { Db } from '../project/database.ts';
import { acceptLeak, leakQueue } from '../leak-gate/review.ts';
import { verifyBundle } from './verify.ts';
import { LeakError, exportPlan, writeBundle } from './write.ts';

/** A call's bundle options without its output path, as a run records and compares them (checked by the contract). */
export function exportOptions(a: ExportOptions): ExportOptions {
  return {
    format: a.format,
    ...(a.images !== undefined ? { images: a.images } : {}),
    ...(a.maxSide !== undefined ? { maxSide: a.maxSide } : {}),
    ...(a.archive !== undefined ? { archive: a.archive } : {}),
    ...(a.shardBytes !== undefined ? { shardBytes: a.shardBytes } : {}),
  };
}

function failedResult(o: ExportOptions, error: string, leak?: ExportResult['leak']): ExportResult {
  return {
    ok: false,
    out: null,
    format: o.format,
    digest: null,
    files: 0,
    bytes: 0,
    samples: 0,
    images: 0,
    leak: leak ?? { ok: true, hits: [], textsScanned: 0 },
    error,
  };
}

/**
 * Exports still marked 'writing' were killed (jobs run one at a time): they are recorded failed. Returns
 * whether this same export (path and options) was started before, killed or finished (a kill can also come
 * after the bundle is recorded, before the process exits): then running it again resumes it, clearing its
 * temporary files and accepting the bundle at `out` if it is the same bundle.
 */
function closeInterrupted(db: Db, out: string, o: ExportOptions): boolean {
  const rows = db.prepare("SELECT id, options FROM exports WHERE state = 'writing'").all() as {
    id: number;
    options: string;
  }[];
  const fail = db.prepare("UPDATE exports SET state = 'failed', result = ? WHERE id = ?");
  for (const r of rows)
    fail.run(JSON.stringify(failedResult(JSON.parse(r.options) as ExportOptions, 'interrupted')), r.id);
  return (
    db
      .prepare(
        "SELECT 1 FROM exports WHERE out_path = ? AND options = ? AND state IN ('failed', 'complete') LIMIT 1",
      )
      .get(out, JSON.stringify(o)) !== undefined
  );
}

function recordExport(db: Db, jobId: string, out: string, o: ExportOptions): number {
  return Number(
    db
      .prepare(
        `INSERT INTO exports (job_id, out_path, format, options, state, created_at) VALUES (?, ?, ?, ?, 'writing', ?)`,
      )
      .run(jobId, out, o.format, JSON.stringify(o), new Date().toISOString()).lastInsertRowid,
  );
}

export function exportHandlers(ctx: EngineContext): HandlersFor<ExportInvoke> {
  return {
    'export.plan': (a) => exportPlan(ctx.requireProject(), exportOptions(a), ctx.version),
    'export.run': (a) => {
      const project = ctx.requireProject();
      const o = exportOptions(a);
      const out = path.resolve(a.out);
      const sources = project.db.prepare('SELECT path FROM sources').pluck().all() as string[];
      checkExportTarget(project.dir, sources, out);
      return ctx.startJob('export', { ...o, out }, async (job) => {
        const resume = closeInterrupted(project.db, out, o);
        const id = recordExport(project.db, job.id, out, o);
        const finish = (state: 'complete' | 'failed', result: ExportResult) =>
          project.db
            .prepare('UPDATE exports SET state = ?, digest = ?, result = ? WHERE id = ?')
            .run(state, result.digest, JSON.stringify(result), id);
        try {
          const result = await writeBundle(
            project,
            o,
            out,
            ctx.version,
            (u) => job.progress(u),
            job.signal,
            resume,
          );
          finish('complete', result);
          return {
            message: `${result.samples} samples and ${result.images} images written to ${result.out}`,
          };
        } catch (thrown) {
          // A full or read-only target: name the cause and the folder, not a raw errno line.
          const err = asStorageError(thrown, path.dirname(out), true) as Error;
          const message = err.message.split('\n')[0]!;
          finish('failed', failedResult(o, message, err instanceof LeakError ? err.leak : undefined));
          throw err;
        }
      });
    },
    'export.result': (a) => {
      const row = ctx
        .requireProject()
        .db.prepare('SELECT result FROM exports WHERE job_id = ?')
        .get(a.jobId) as { result: string } | undefined;
      if (!row || row.result === '{}') throw new ApiError('not-found', 'No finished export for this job.');
      return JSON.parse(row.result) as ExportResult;
    },
    'export.verify': async (a) => {
      return verifyBundle(path.resolve(a.bundle), a.withProject === true ? ctx.requireProject() : null, {
        ocr: a.ocr === true,
      });
    },
    'export.leaks': async (a) => {
      const project = ctx.requireProject();
      // The bundle texts are the same in every format once the gate reads JSON as its values.
      if (a.refresh === true) await exportPlan(project, { format: 'llava' }, ctx.version);
      return leakQueue(project.db, a.withText === true);
    },
    'export.acceptLeak': (a) => acceptLeak(ctx.requireProject().db, a.id, a.reason),
  };
}
