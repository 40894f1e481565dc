// Worker thread of bench/lib/pipeline.ts: processDicomFile with a 512-px training rendering, per request.
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { serveWorker } from '../../electron/engine/jobs/worker-pool.ts';
import { processDicomFile, type ProcessedFile } from '../../electron/engine/import/process-dicom-file.ts';

export interface PipelineTask {
  path: string;
  cacheDir: string;
}

// As the import worker: one libvips thread per worker, the pool spreads files over the cores.
sharp.concurrency(1);

if (parentPort)
  serveWorker<PipelineTask, ProcessedFile>(parentPort, (t) =>
    processDicomFile(t.path, { cacheDir: t.cacheDir, thumbSize: 256, trainingSize: 512 }),
  );
