// Per-file limits of the worker pools that read user files: a task that hangs, spins or exhausts its heap
// fails with a reason, its worker is replaced, and the next task still runs.
import { describe, expect, it } from 'vitest';
import { WorkerPool, fileTaskLimits } from '../../electron/engine/jobs/worker-pool.ts';
import type { LimitTask } from './support/fuzz-limits-worker.ts';

const script = new URL('./support/fuzz-limits-worker.ts', import.meta.url);

describe('worker pool limits', () => {
  it('terminates a hung or spinning task, records the timeout and keeps serving', async () => {
    const pool = new WorkerPool<LimitTask, string>(script, 1, { taskTimeoutMs: 1500 });
    try {
      const started = performance.now();
      await expect(pool.run('hang')).rejects.toThrow('timed out after 1.5s');
      await expect(pool.run('spin')).rejects.toThrow('timed out after 1.5s');
      expect(await pool.run('answer')).toBe('answered');
      expect(performance.now() - started).toBeLessThan(20_000);
    } finally {
      await pool.close();
    }
  });

  it('ends a worker that outgrows its heap limit with "too large" and replaces it', async () => {
    const pool = new WorkerPool<LimitTask, string>(script, 1, {
      taskTimeoutMs: 30_000,
      resourceLimits: { maxOldGenerationSizeMb: 64 },
    });
    try {
      await expect(pool.run('heap')).rejects.toThrow('too large: ran out of memory (limit 64 MB)');
      expect(await pool.run('answer')).toBe('answered');
    } finally {
      await pool.close();
    }
  });

  it('reads the per-file limits from the environment, with defaults', () => {
    const saved = { t: process.env.MEDPREP_FILE_TIMEOUT_S, h: process.env.MEDPREP_WORKER_HEAP_MB };
    try {
      delete process.env.MEDPREP_FILE_TIMEOUT_S;
      delete process.env.MEDPREP_WORKER_HEAP_MB;
      expect(fileTaskLimits()).toEqual({
        taskTimeoutMs: 120_000,
        resourceLimits: { maxOldGenerationSizeMb: 1024 },
      });
      process.env.MEDPREP_FILE_TIMEOUT_S = '2.5';
      process.env.MEDPREP_WORKER_HEAP_MB = '256';
      expect(fileTaskLimits()).toEqual({
        taskTimeoutMs: 2500,
        resourceLimits: { maxOldGenerationSizeMb: 256 },
      });
    } finally {
      for (const [k, v] of [
        ['MEDPREP_FILE_TIMEOUT_S', saved.t],
        ['MEDPREP_WORKER_HEAP_MB', saved.h],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
