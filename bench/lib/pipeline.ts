/**
 * Our import pipeline without SQLite: every file through processDicomFile (decode, render, pixel hash,
 * phash, 512-px training PNG, 256-px thumbnail) in a WorkerPool sized like the import's. Run as a child
 * process by bench/import.ts so its peak RSS can be measured alone.
 *
 *   node bench/lib/pipeline.ts CACHE_DIR FILE...
 */
import { WorkerPool, defaultWorkerCount } from '../../electron/engine/jobs/worker-pool.ts';
import type { ProcessedFile } from '../../electron/engine/import/process-dicom-file.ts';
import type { PipelineTask } from './pipeline-worker.ts';

const [cacheDir, ...files] = process.argv.slice(2);
if (!cacheDir || files.length === 0) throw new Error('usage: node bench/lib/pipeline.ts CACHE_DIR FILE...');
const pool = new WorkerPool<PipelineTask, ProcessedFile>(
  new URL('./pipeline-worker.ts', import.meta.url),
  defaultWorkerCount(),
);
// Bounded in flight like the import job (twice the pool), so memory stays what an import would use.
const inFlight = new Set<Promise<unknown>>();
let failures = 0;
for (const path of files) {
  const task = pool.run({ path, cacheDir }).then((r) => {
    if (r.kind !== 'image') failures++;
  });
  inFlight.add(task);
  void task.finally(() => inFlight.delete(task));
  while (inFlight.size >= pool.capacity * 2) await Promise.race(inFlight);
}
await Promise.all(inFlight);
await pool.close();
if (failures > 0) throw new Error(`${failures} files were not imported`);
process.stdout.write(`${files.length}\n`);
