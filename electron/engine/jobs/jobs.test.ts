import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../api/contract.ts';
import { Project } from '../project/project.ts';
import { LOG_DIR, LOG_FILE, ProjectLog, safeOptions, withoutPaths } from '../project/log.ts';
import { JobCancelled, JobManager } from './jobs.ts';
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

  it('end cancelled, not failed, when a stage stops on the cancel by throwing', async () => {
    const p = project();
    const jobs = new JobManager(p.db, () => {});
    const job = jobs.start('curate', {}, async (ctx) => {
      while (!ctx.signal.aborted) await new Promise((r) => setTimeout(r, 5));
      throw new JobCancelled();
    });
    await new Promise((r) => setTimeout(r, 20));
    jobs.cancel(job.id);
    expect(await jobs.wait(job.id)).toMatchObject({ state: 'cancelled', message: /^cancelled;/u });
    expect(p.db.prepare('SELECT state FROM jobs WHERE id = ?').get(job.id)).toEqual({ state: 'cancelled' });
  });

  it('keep a history with options, duration and outcome, newest first', async () => {
    const jobs = new JobManager(project().db, () => {});
    const a = jobs.start('export', { format: 'llava', out: '/data/out', maxSide: 256 }, async (ctx) => {
      ctx.progress({ done: 2, total: 2, totalKnown: true, errors: 1 });
      return { message: 'wrote 2' };
    });
    await jobs.wait(a.id);
    const b = jobs.start('sft', { yaml: 'x'.repeat(500) }, async () => {
      throw new Error('no samples');
    });
    await jobs.wait(b.id);
    const history = jobs.history(10, 0);
    expect(history.map((j) => j.id)).toEqual([b.id, a.id]);
    expect(history[1]).toMatchObject({
      kind: 'export',
      state: 'done',
      done: 2,
      total: 2,
      errors: 1,
      message: 'wrote 2',
      options: { format: 'llava', out: '/data/out', maxSide: 256 },
    });
    expect(history[1]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(history[0]).toMatchObject({ state: 'failed', options: { yaml: '(500 characters)' } });
    expect(jobs.history(1, 1).map((j) => j.id)).toEqual([a.id]);
  });

  it('write what ran to the project log, without paths or free-text options', async () => {
    const p = project();
    const jobs = new JobManager(p.db, () => {}, new ProjectLog(p.dir));
    const job = jobs.start('export', { format: 'llava', out: '/home/DOE^JANE/out' }, async () => ({
      message: 'written to /home/DOE^JANE/out',
    }));
    await jobs.wait(job.id);
    const lines = fs
      .readFileSync(path.join(p.dir, LOG_DIR, LOG_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toMatchObject([
      { event: 'job.queued', kind: 'export', options: 'format=llava out=(given)' },
      { event: 'job.finished', kind: 'export', state: 'done', message: 'written to (path)' },
    ]);
    expect(JSON.stringify(lines)).not.toContain('DOE');
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

describe('project log', () => {
  it('rotates at its size limit and keeps four older files', () => {
    const p = project();
    const log = new ProjectLog(p.dir, 200);
    for (let i = 0; i < 40; i++) log.write('tick', { i });
    const files = fs.readdirSync(path.join(p.dir, LOG_DIR)).sort();
    expect(files).toEqual([LOG_FILE, ...[1, 2, 3, 4].map((n) => `${LOG_FILE}.${n}`)]);
    for (const f of files) expect(fs.statSync(path.join(p.dir, LOG_DIR, f)).size).toBeLessThanOrEqual(200);
    const newest = fs.readFileSync(path.join(p.dir, LOG_DIR, LOG_FILE), 'utf8');
    expect(newest).toContain('"i":39');
  });

  it('keeps vocabulary words and numbers of options, and hides every other value', () => {
    expect(safeOptions({ format: 'dicom', source: 'Jane Doe', analyse: true, n: 3, ids: ['a'] })).toBe(
      'format=dicom source=(given) analyse=true n=3 ids=(given)',
    );
    expect(safeOptions({ format: 'Smith John' })).toBe('format=(given)');
    expect(withoutPaths('cannot write: C:\\Users\\Doe Jane\\out')).toBe('cannot write: (path)');
    expect(withoutPaths('disk full: /mnt/DOE^JANE 19570302/out (3 written)')).toBe('disk full: (path)');
    expect(withoutPaths('3/4 done')).toBe('3/4 done');
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
