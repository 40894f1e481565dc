import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../electron/api/contract.ts';
import { Engine } from '../../electron/engine/index.ts';
import { makeDicomTree, repoRoot, tempDir } from '../support/dicom-tree.ts';

const work = tempDir('medprep-engine-');
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function engineWithProject(name: string): Promise<Engine> {
  const engine = new Engine({ sampleProjectDir: path.join(work, `${name}-sample`) });
  engines.push(engine);
  await engine.invoke('project.create', { dir: path.join(work, name) });
  return engine;
}

describe('the engine', () => {
  it('answers "no project" before one is open', async () => {
    const engine = new Engine();
    engines.push(engine);
    expect(await engine.invoke('project.current', {})).toBeNull();
    await expect(engine.invoke('images.list', { offset: 0, limit: 10 })).rejects.toMatchObject({
      code: 'no-project',
    });
  });

  it('rejects malformed arguments with a bad-request error, as a network front may send anything', async () => {
    const engine = await engineWithProject('args');
    await expect(engine.invoke('images.list', { offset: -1, limit: 10 })).rejects.toMatchObject({
      code: 'bad-request',
    });
    await expect(engine.invoke('project.open', { dir: 42 } as never)).rejects.toMatchObject({
      code: 'bad-request',
    });
    await expect(engine.invoke('nope' as never, {} as never)).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('imports with live job events, then lists images, their details and the problem files', async () => {
    const engine = await engineWithProject('events');
    const src = makeDicomTree(path.join(work, 'src-events'), { images: 30, broken: true, template: 'small' });
    const events: JobInfo[] = [];
    engine.on('job.updated', (j) => events.push(j));
    const job = await engine.invoke('import.start', { source: src.dir, format: 'dicom' });
    const end = await engine.waitForJob(job.id);
    expect(end).toMatchObject({ state: 'done', done: 33, total: 33, totalKnown: true, errors: 2 });
    expect(events[0]?.state).toBe('queued');
    expect(events.some((e) => e.state === 'running' && e.done > 0 && e.done < 33)).toBe(true);
    expect(events.at(-1)?.state).toBe('done');

    const page = await engine.invoke('images.list', { offset: 10, limit: 5 });
    expect(page.total).toBe(30);
    expect(page.items).toHaveLength(5);
    const first = page.items[0]!;
    expect(first).toMatchObject({
      rows: 48,
      columns: 64,
      bitsStored: 12,
      photometric: 'MONOCHROME2',
      transferSyntax: '1.2.840.10008.1.2.1',
    });
    expect(first.thumbnail).toMatch(/^media\/thumbs\/[0-9a-f]{64}\.png$/);
    const thumbFile = engine.resolveMedia(first.thumbnail!);
    expect(thumbFile && fs.existsSync(thumbFile)).toBe(true);

    const detail = await engine.invoke('images.get', { id: first.id });
    expect(detail.header.Modality).toBe('CR');
    expect(detail.windowSource).toBe('window');

    const problems = await engine.invoke('files.problems', { offset: 0, limit: 10 });
    expect(problems.items).toEqual([
      { path: 'empty.dcm', status: 'error', reason: 'not DICOM: the file is empty' },
      { path: 'truncated.dcm', status: 'error', reason: expect.stringMatching(/^truncated/) },
      { path: 'notes.txt', status: 'skipped', reason: 'not a DICOM file' },
    ]);
  });

  it('exports the problem files as CSV that a spreadsheet cannot mistake for formulas', async () => {
    const engine = await engineWithProject('csv');
    const src = path.join(work, 'src-csv');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, '=HYPERLINK("x").dcm'), 'not dicom');
    fs.writeFileSync(path.join(src, 'a, "quoted" name.txt'), 'not dicom');
    await engine.waitForJob((await engine.invoke('import.start', { source: src, format: 'dicom' })).id);
    const { filename, csv } = await engine.invoke('files.problemsCsv', {});
    expect(filename).toBe('csv-import-problems.csv');
    expect(csv.split('\r\n')).toEqual([
      'path,status,reason',
      '"\'=HYPERLINK(""x"").dcm",error,not DICOM: a text file',
      '"a, ""quoted"" name.txt",skipped,not a DICOM file',
      '',
    ]);
  });

  it('serves media only from inside the project cache', async () => {
    const engine = await engineWithProject('media');
    expect(engine.resolveMedia('media/thumbs/../../project.db')).toBeNull();
    expect(engine.resolveMedia('/etc/passwd')).toBeNull();
    expect(engine.resolveMedia(`media/thumbs/${'0'.repeat(64)}.png`)).toBeNull();
  });

  it('cancelling an import keeps what was committed, and a re-run finishes the rest', async () => {
    const engine = await engineWithProject('cancel');
    const src = makeDicomTree(path.join(work, 'src-cancel'), { images: 3000, template: 'small' });
    const job = await engine.invoke('import.start', { source: src.dir, format: 'dicom' });
    await new Promise<void>((resolve) => {
      const off = engine.on('job.updated', (j) => {
        if (j.id === job.id && j.done >= 200) {
          off();
          void engine.invoke('jobs.cancel', { id: job.id }).then(() => resolve());
        }
      });
    });
    const end = await engine.waitForJob(job.id);
    expect(end.state).toBe('cancelled');
    const kept = (await engine.invoke('project.stats', {})).images;
    expect(kept).toBeGreaterThanOrEqual(200);
    expect(kept).toBeLessThan(3000);

    const rerun = await engine.waitForJob(
      (await engine.invoke('import.start', { source: src.dir, format: 'dicom' })).id,
    );
    expect(rerun.state).toBe('done');
    expect(await engine.invoke('import.summary', { jobId: rerun.id })).toMatchObject({
      unchanged: kept,
      imported: 3000 - kept,
    });
    expect((await engine.invoke('project.stats', {})).images).toBe(3000);
  }, 60_000);

  it('detects the layouts it knows from a quick look', async () => {
    const engine = await engineWithProject('detect');
    const sample = path.join(repoRoot, 'resources', 'sample-data');
    expect(await engine.invoke('import.detect', { source: path.join(sample, 'mimic-cxr') })).toMatchObject({
      format: 'mimic-cxr',
    });
    expect(await engine.invoke('import.detect', { source: path.join(sample, 'padchest') })).toMatchObject({
      format: 'padchest',
    });
    expect(
      await engine.invoke('import.detect', { source: path.join(repoRoot, 'test', 'fixtures', 'dicom') }),
    ).toMatchObject({ format: 'dicom' });
  });

  it('"Open sample project" creates a project and imports the bundled sample data into it', async () => {
    const engine = new Engine({ sampleProjectDir: path.join(work, 'the-sample') });
    engines.push(engine);
    const info = await engine.invoke('project.openSample', {});
    expect(info.name).toBe('Sample project');
    const [job] = await engine.invoke('jobs.list', {});
    expect((await engine.waitForJob(job!.id)).state).toBe('done');
    expect(await engine.invoke('project.stats', {})).toMatchObject({
      images: 20,
      patients: 6,
      studies: 12,
      reports: 12,
    });
    // Opening it again re-uses the project instead of importing twice.
    await engine.invoke('project.openSample', {});
    expect(await engine.invoke('jobs.list', {})).toHaveLength(1);
  });
});
