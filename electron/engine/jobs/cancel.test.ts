// Cancel means the same in every stage: the job ends 'cancelled' (never "failed: cancelled"), in the event
// stream, in the store and in the history, and what the stage finished before the cancel stays.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../api/contract.ts';
import {
  runJob,
  sampleData,
  sampleProject,
  type SampleProject,
} from '../../../test/support/sample-project.ts';
import type { Engine } from '../index.ts';

let sample: SampleProject;
beforeAll(async () => {
  sample = await sampleProject();
}, 120_000);
afterAll(() => sample.dispose());

/**
 * Starts a job and cancels it as soon as it runs (the stage has begun its work). Events are matched by kind:
 * the job starts running before its start call has returned its id.
 */
async function startAndCancel(
  engine: Engine,
  kind: string,
  start: () => Promise<JobInfo>,
): Promise<JobInfo[]> {
  const seen: JobInfo[] = [];
  const off = engine.on('job.updated', (j) => {
    if (j.kind !== kind) return;
    seen.push(j);
    if (j.state === 'running' && seen.filter((s) => s.state === 'running').length === 1)
      void engine.invoke('jobs.cancel', { id: j.id });
  });
  try {
    await engine.waitForJob((await start()).id);
  } finally {
    off();
  }
  return seen;
}

describe('cancel', () => {
  const stages: [string, (e: Engine) => Promise<JobInfo>][] = [
    [
      'import',
      (e) => e.invoke('import.start', { source: path.join(sampleData, 'padchest'), format: 'padchest' }),
    ],
    ['deid', (e) => e.invoke('deid.start', {})],
    ['curate', (e) => e.invoke('curate.run', { analyse: true })],
    ['sft', (e) => e.invoke('sft.run', {})],
    [
      'export',
      // Curated to the end first (the cancelled curation above computed nothing), so there is something to write.
      async (e) => {
        await runJob(e, e.invoke('curate.run', {}));
        return e.invoke('export.run', { format: 'llava', out: path.join(sample.tmp, 'bundle') });
      },
    ],
  ];
  for (const [kind, start] of stages) {
    it(`a ${kind} job cancelled while it runs ends cancelled, in events, store and history`, async () => {
      const seen = await startAndCancel(sample.engine, kind, () => start(sample.engine));
      const last = seen.at(-1)!;
      expect(last).toMatchObject({ kind, state: 'cancelled' });
      expect(last.message).not.toMatch(/failed/u);
      const [row] = await sample.engine.invoke('jobs.history', { limit: 1 });
      expect(row).toMatchObject({ id: last.id, state: 'cancelled', message: last.message });
      expect(row!.durationMs).toBeGreaterThanOrEqual(0);
    }, 60_000);
  }

  it('a cancelled export leaves nothing at its output path and is not counted as a failed one', async () => {
    const parent = path.join(sample.tmp);
    expect(fs.readdirSync(parent).filter((n) => n.includes('bundle'))).toEqual([]);
    expect(await sample.engine.invoke('detail.dashboard', {})).toMatchObject({
      bundles: 0,
      bundlesFailed: 0,
    });
  });
});
