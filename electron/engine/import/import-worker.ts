// Worker-thread entry for import: decode, render and thumbnail one image, or read one report, per request.
import { open } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { serveWorker } from '../jobs/worker-pool.ts';
import type { TaskKind } from './layouts/types.ts';
import { processDicomFile, type ProcessedFile } from './process-dicom-file.ts';
import { processRasterFile } from './process-raster-file.ts';
import { processReportFile, type ReportResult } from './process-report-file.ts';

export interface ImportTask {
  kind: TaskKind;
  path: string;
  cacheDir: string;
}

export type TaskResult = ProcessedFile | ReportResult;

// One libvips thread per worker: the pool already spreads files over the cores.
sharp.concurrency(1);

/** PNG and JPEG by their signature; anything else goes to the DICOM reader, which says what it is not. */
async function isRaster(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    if (bytesRead >= 8 && head.readUInt32BE(0) === 0x89504e47) return true;
    return bytesRead >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  } finally {
    await fh.close();
  }
}

export async function runTask(task: ImportTask): Promise<TaskResult> {
  const opts = { cacheDir: task.cacheDir };
  switch (task.kind) {
    case 'report':
      return processReportFile(task.path);
    case 'raster':
      return processRasterFile(task.path, opts);
    case 'image':
      try {
        if (await isRaster(task.path)) return processRasterFile(task.path, opts);
      } catch {
        // unreadable: the DICOM reader reports it with its code
      }
      return processDicomFile(task.path, opts);
    case 'dicom':
      return processDicomFile(task.path, opts);
  }
}

if (parentPort) serveWorker<ImportTask, TaskResult>(parentPort, runTask);
