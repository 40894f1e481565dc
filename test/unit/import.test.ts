import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImportSummary } from '../../electron/api/contract.ts';
import { makeDicomTree, medprep, repoRoot, snapshot, tempDir } from '../support/dicom-tree.ts';

const work = tempDir('medprep-import-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function newProject(name: string): string {
  const dir = path.join(work, name);
  expect(medprep(['init', dir]).code).toBe(0);
  return dir;
}

function importJson(project: string, source: string, ...extra: string[]) {
  const r = medprep(['import', project, source, '--json', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ImportSummary;
}

function readRows(project: string) {
  const db = new Database(path.join(project, 'project.db'), { readonly: true });
  try {
    return {
      files: db.prepare('SELECT rel_path, status, reason FROM files ORDER BY rel_path').all(),
      images: db
        .prepare(
          'SELECT f.rel_path, i.frame, i.pixel_hash, i.thumbnail FROM images i JOIN files f ON f.id = i.file_id ORDER BY f.rel_path, i.frame',
        )
        .all(),
      patients: (db.prepare('SELECT count(*) AS n FROM patients').get() as { n: number }).n,
      studies: (db.prepare('SELECT count(*) AS n FROM studies').get() as { n: number }).n,
      series: (db.prepare('SELECT count(*) AS n FROM series').get() as { n: number }).n,
      duplicateImages: (
        db.prepare("SELECT count(*) - count(DISTINCT file_id || ':' || frame) AS n FROM images").get() as {
          n: number;
        }
      ).n,
      integrity: db.pragma('integrity_check', { simple: true }),
    };
  } finally {
    db.close();
  }
}

describe('importing a plain DICOM folder', () => {
  it('imports every image with metadata and a thumbnail, records the broken and non-DICOM files, and goes on', () => {
    const src = makeDicomTree(path.join(work, 'src-basic'), { images: 12, broken: true });
    const project = newProject('p-basic');
    const summary = importJson(project, src.dir);
    expect(summary.imported).toBe(12);
    expect(summary.skipped).toBe(1); // notes.txt: not DICOM, and not named as DICOM
    expect(summary.skippedFiles).toEqual([{ path: 'notes.txt', reason: 'not a DICOM file' }]);
    expect(summary.errors).toEqual([
      { path: 'empty.dcm', reason: 'not DICOM: the file is empty' },
      { path: 'truncated.dcm', reason: expect.stringMatching(/^truncated: /) },
    ]);

    const stats = JSON.parse(medprep(['stats', project, '--json']).stdout);
    expect(stats).toMatchObject({ images: 12, errors: 2, skipped: 1, sources: 1 });
    expect(stats.patients).toBeGreaterThan(1);
    const rows = readRows(project);
    for (const img of rows.images as { thumbnail: string }[]) {
      const png = fs.readFileSync(path.join(project, 'cache', img.thumbnail));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    }
    const skipped = (rows.files as { rel_path: string; status: string; reason: string }[]).filter(
      (f) => f.status === 'skipped',
    );
    expect(skipped.map((f) => [f.rel_path, f.reason])).toEqual([['notes.txt', 'not a DICOM file']]);
  });

  it('imports 8-bit and 12-bit lossy JPEG files alike in its worker threads', () => {
    const src = path.join(work, 'src-jpeg');
    fs.mkdirSync(src);
    const codecs = path.join(repoRoot, 'test', 'fixtures', 'dicom', 'codecs');
    for (const name of ['jpeg_baseline_mono8.dcm', 'jpeg_extended_mono8.dcm', 'jpeg_extended_cr12.dcm'])
      fs.copyFileSync(path.join(codecs, name), path.join(src, name));
    const summary = importJson(newProject('p-jpeg'), src);
    expect(summary.errors).toEqual([]);
    expect(summary.imported).toBe(3);
  });

  it('never writes to the source folder', () => {
    const src = makeDicomTree(path.join(work, 'src-ro'), { images: 6, broken: true });
    const before = snapshot(src.dir);
    for (const f of fs.readdirSync(src.dir, { recursive: true }) as string[])
      fs.chmodSync(path.join(src.dir, f), fs.statSync(path.join(src.dir, f)).isDirectory() ? 0o555 : 0o444);
    fs.chmodSync(src.dir, 0o555);
    const project = newProject('p-ro');
    try {
      expect(importJson(project, src.dir).imported).toBe(6);
      expect(snapshot(src.dir)).toBe(before);
    } finally {
      fs.chmodSync(src.dir, 0o755);
      for (const f of fs.readdirSync(src.dir, { recursive: true }) as string[])
        fs.chmodSync(path.join(src.dir, f), 0o755);
    }
  });

  it('fails in one line and leaves the project unchanged when the source is missing', () => {
    const project = newProject('p-missing');
    const before = readRows(project);
    const r = medprep(['import', project, path.join(work, 'no-such-folder')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/does not exist/);
    expect(readRows(project)).toEqual(before);
    const db = new Database(path.join(project, 'project.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM sources').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM jobs').get()).toEqual({ n: 0 });
    db.close();
  });

  it('on a re-run skips unchanged files, picks up new ones and re-reads changed ones without duplicates', () => {
    const src = makeDicomTree(path.join(work, 'src-rerun'), { images: 8 });
    const project = newProject('p-rerun');
    expect(importJson(project, src.dir).imported).toBe(8);
    expect(importJson(project, src.dir)).toMatchObject({ imported: 0, unchanged: 8, errors: [] });

    // A new file arrives, and one file is replaced by a different image.
    const [first] = (fs.readdirSync(path.join(src.dir, 'series-000')) as string[]).sort();
    fs.copyFileSync(
      path.join(repoRoot, 'test', 'fixtures', 'dicom', 'cr_12bit.dcm'),
      path.join(src.dir, 'series-000', 'new.dcm'),
    );
    fs.copyFileSync(
      path.join(repoRoot, 'test', 'fixtures', 'dicom', 'dx_mono1.dcm'),
      path.join(src.dir, 'series-000', first!),
    );
    const again = importJson(project, src.dir);
    expect(again).toMatchObject({ imported: 2, unchanged: 7 });
    const rows = readRows(project);
    expect(rows.images).toHaveLength(9);
    expect(rows.duplicateImages).toBe(0);
  });

  it('a folder of 10,000 files with a few broken ones imports the rest and lists the broken ones', () => {
    const src = makeDicomTree(path.join(work, 'src-10k'), {
      images: 10_000,
      broken: true,
      template: 'small',
    });
    const project = newProject('p-10k');
    const summary = importJson(project, src.dir);
    expect(summary.imported).toBe(10_000);
    expect(summary.skipped).toBe(1);
    expect(summary.errors.map((e) => e.path)).toEqual(['empty.dcm', 'truncated.dcm']);
    fs.rmSync(src.dir, { recursive: true, force: true });
  }, 120_000);

  it('killed mid-way and run again, ends with exactly the rows of an uninterrupted import', async () => {
    const src = makeDicomTree(path.join(work, 'src-kill'), { images: 3000, broken: true, template: 'small' });
    const clean = newProject('p-kill-clean');
    importJson(clean, src.dir);

    const killed = newProject('p-kill');
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'electron', 'cli', 'bin.js'), 'import', killed, src.dir],
      { stdio: 'ignore' },
    );
    const db = new Database(path.join(killed, 'project.db'), { readonly: true });
    const imported = () => (db.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n;
    const deadline = Date.now() + 60_000;
    while (imported() < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const atKill = imported();
    db.close();
    expect(atKill).toBeGreaterThanOrEqual(300);
    expect(atKill).toBeLessThan(3003); // really killed mid-way

    const resumed = importJson(killed, src.dir);
    expect(resumed.unchanged).toBe(atKill);
    const a = readRows(clean);
    const b = readRows(killed);
    expect(b.integrity).toBe('ok');
    expect(b.duplicateImages).toBe(0);
    expect(b).toEqual(a);
    const jobs = new Database(path.join(killed, 'project.db'), { readonly: true });
    expect(jobs.prepare('SELECT state FROM jobs ORDER BY started_at').all()).toEqual([
      { state: 'interrupted' },
      { state: 'done' },
    ]);
    jobs.close();
  }, 120_000);
});
