// Worker-thread entry for import: decode, render and thumbnail one file per request.
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { serveWorker } from '../jobs/worker-pool.ts';
import { processDicomFile, type ProcessedFile } from './process-dicom-file.ts';

export interface ImportTask {
  path: string;
  cacheDir: string;
}

// One libvips thread per worker: the pool already spreads files over the cores.
sharp.concurrency(1);

if (parentPort) {
  serveWorker<ImportTask, ProcessedFile>(parentPort, (task) =>
    processDicomFile(task.path, { cacheDir: task.cacheDir }),
  );
}
