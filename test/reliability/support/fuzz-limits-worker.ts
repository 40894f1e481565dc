// A worker for the pool-limit tests: it hangs, spins, exhausts its heap or answers, as the task says.
import { parentPort } from 'node:worker_threads';
import { serveWorker } from '../../../electron/engine/jobs/worker-pool.ts';

export type LimitTask = 'answer' | 'hang' | 'spin' | 'heap';

async function handle(task: LimitTask): Promise<string> {
  if (task === 'hang') await new Promise(() => {});
  if (task === 'spin') for (;;);
  if (task === 'heap') {
    const hoard: string[][] = [];
    for (;;) hoard.push(Array.from({ length: 1e5 }, (_, i) => `x${i}`));
  }
  return 'answered';
}

if (parentPort) serveWorker<LimitTask, string>(parentPort, handle);
