import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../api/contract.ts';
import { Project } from '../project/project.ts';
import { JobManager } from './jobs.ts';
import { ProgressMeter } from './progress.ts';

const open: Project[] = [];
function project(): Project {
  const p = Project.create(
    path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-jobs-')), 'p'),
    undefined,
    '0.1.0',
  );
  open.push(p);
  return p;
}
afterEach(() => {
  for (const p of open.splice(0)) {
    p.close();
    fs.rmSync(path.dirname(p.dir), { recursive: true, force: true });
  }
});

describe('jobs', () => {
  it('report progress and end done, with the state stored in the project', async () => {
    const p = project();
    const events: JobInfo[] = [];
    const jobs = new JobManager(p.db, (j) => events.push(j));
    const job = jobs.start('import', {}, async (ctx) => {
      ctx.progress({ total: 3, totalKnown: true });
      for (let i = 1; i <= 3; i++) ctx.progress({ done: i });
      return { message: 'all three' };
    });
    const end = await jobs.wait(job.id);
    expect(end).toMatchObject({ state: 'done', done: 3, total: 3, message: 'all three', eta: 0 });
    expect(events.map((e) => e.state)).toContain('running');
    expect(events.at(-1)?.state).toBe('done');
    expect(p.db.prepare('SELECT state, done FROM jobs WHERE id = ?').get(job.id)).toEqual({
      state: 'done',
      done: 3,
    });
  });

  it('run one at a time, in order', async () => {
    const jobs = new JobManager(project().db, () => {});
    const order: string[] = [];
    const body = (name: string) => async () => {
      order.push(`${name} start`);
      await new Promise((r) => setTimeout(r, 20));
      order.push(`${name} end`);
      return { message: name };
    };
    const a = jobs.start('import', {}, body('a'));
    const b = jobs.start('import', {}, body('b'));
    await Promise.all([jobs.wait(a.id), jobs.wait(b.id)]);
    expect(order).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('can be cancelled and end cancelled, keeping their message', async () => {
    const jobs = new JobManager(project().db, () => {});
    const job = jobs.start('import', {}, async (ctx) => {
      while (!ctx.signal.aborted) await new Promise((r) => setTimeout(r, 5));
      return { message: 'stopped at file 7' };
    });
    await new Promise((r) => setTimeout(r, 20));
    jobs.cancel(job.id);
    expect(await jobs.wait(job.id)).toMatchObject({ state: 'cancelled', message: 'stopped at file 7' });
  });

  it('fail with a one-line reason when their body throws', async () => {
    const jobs = new JobManager(project().db, () => {});
    const job = jobs.start('import', {}, async () => {
      throw new Error('disk full\nstack trace line');
    });
    expect(await jobs.wait(job.id)).toMatchObject({ state: 'failed', message: 'failed: disk full' });
  });

  it('found running after a crash are marked interrupted on the next open', () => {
    const p = project();
    p.db
      .prepare(
        "INSERT INTO jobs (id, kind, state, params, started_at) VALUES ('j1', 'import', 'running', '{}', '2026-01-01')",
      )
      .run();
    const jobs = new JobManager(p.db, () => {});
    expect(jobs.list().find((j) => j.id === 'j1')).toMatchObject({
      state: 'interrupted',
      message: expect.stringMatching(/run it again/),
    });
  });
});

describe('progress meter', () => {
  it('gives rate and ETA from the recent window, and no ETA while the total is unknown', () => {
    let t = 0;
    const m = new ProgressMeter(5000, () => t);
    for (let i = 0; i <= 10; i++) {
      t = i * 1000;
      m.record(i * 20);
    }
    expect(m.rate()).toBeCloseTo(20);
    expect(m.eta(200, 400, true)).toBeCloseTo(10);
    expect(m.eta(200, 400, false)).toBeNull();
  });
});
