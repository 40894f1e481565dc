import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../electron/api/contract.ts';
import { deidentifiedDicomBytes } from '../../electron/engine/deid/index.ts';
import { Engine } from '../../electron/engine/index.ts';
import { Project } from '../../electron/engine/project/project.ts';
import { medprep, repoRoot, sampleMimic, tempDir } from '../support/dicom-tree.ts';

const work = tempDir('medprep-deid-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const planted = JSON.parse(fs.readFileSync(path.join(sampleMimic, 'planted-identifiers.json'), 'utf8')) as {
  dicom_headers: Record<string, string[]>;
  reports: Record<string, string[]>;
};

/** Every planted value with the forms it could take: PN with ^ or spaces, either order; dates in common formats. */
function needles(): { whole: string[]; parts: string[] } {
  const whole = new Set<string>();
  const parts = new Set<string>();
  const add = (v: string) => whole.add(v.toUpperCase());
  for (const [key, values] of Object.entries(planted.dicom_headers)) {
    for (const v of values) {
      add(v);
      if (v.includes('^') || /Name/.test(key)) {
        const p = v.split('^').filter(Boolean);
        add(p.join(' '));
        add([...p].reverse().join(' '));
        add([p[1], p[0]].filter(Boolean).join(' '));
        for (const part of p) if (part.length >= 3) parts.add(part.toUpperCase());
      }
      const d = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
      if (d) {
        const [, y, m, day] = d;
        for (const f of [
          `${y}-${m}-${day}`,
          `${m}/${day}/${y}`,
          `${y}.${m}.${day}`,
          `${day}.${m}.${y}`,
          `${y}/${m}/${day}`,
        ])
          add(f);
      }
    }
  }
  for (const phrases of Object.values(planted.reports)) for (const p of phrases) add(p);
  return { whole: [...whole], parts: [...parts] };
}

/** The bytes before Pixel Data's value (name parts are checked there: three letters can occur in pixels by chance). */
function headerPart(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes);
  const at = buf.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
  return buf
    .subarray(0, at < 0 ? buf.length : at)
    .toString('latin1')
    .toUpperCase();
}

function dciodvfyProblems(file: string): Set<string> {
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  return new Set(
    `${r.stdout}\n${r.stderr}`
      .split('\n')
      .filter((l) => /^(Error|Warning)/.test(l.trim()))
      .map((l) => l.trim()),
  );
}

// A fixed key, so the keyed date shifts (and thus this test) are the same on every run.
const SECRET = 'a3'.repeat(32);

describe('medprep deid on the sample MIMIC-CXR project', () => {
  const dir = path.join(work, 'project');
  let engine: Engine;
  let project: Project;

  beforeAll(async () => {
    expect(medprep(['init', dir]).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'secret.key'), SECRET + '\n', { mode: 0o600 });
    expect(medprep(['import', dir, sampleMimic]).code).toBe(0);
    const r = medprep(['deid', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      imagesProcessed: number;
      reportsProcessed: number;
      errors: unknown[];
    };
    expect(summary).toMatchObject({ imagesProcessed: 20, reportsProcessed: 12, errors: [] });
    engine = new Engine();
    await engine.invoke('project.open', { dir });
    project = Project.open(dir);
  });
  afterAll(async () => {
    project.close();
    await engine.close();
  });

  it('regenerates every image with no planted identifier in any form, and dciodvfy finds nothing new', async () => {
    const { whole, parts } = needles();
    const ids = project.db
      .prepare('SELECT images.id, files.rel_path FROM images JOIN files ON files.id = images.file_id')
      .all() as {
      id: number;
      rel_path: string;
    }[];
    expect(ids).toHaveLength(20);
    const outDir = path.join(work, 'dicom-out');
    fs.mkdirSync(outDir);
    for (const { id, rel_path } of ids) {
      const bytes = await deidentifiedDicomBytes(project, id);
      expect(Buffer.from(await deidentifiedDicomBytes(project, id)).equals(Buffer.from(bytes))).toBe(true);
      const all = Buffer.from(bytes).toString('latin1').toUpperCase();
      for (const n of whole) expect(all.includes(n), `image ${id} contains ${n}`).toBe(false);
      const header = headerPart(bytes);
      // Device descriptors are kept by the profile and are not identifiers ("FAKE DR 1000" holds FAKE of TECHNOLOGIST^FAKE).
      const h = JSON.parse(
        project.db.prepare('SELECT header FROM images WHERE id = ?').pluck().get(id) as string,
      ) as Record<string, string>;
      const kept = [h.Manufacturer, h.ManufacturerModelName, h.SoftwareVersions].join('|').toUpperCase();
      for (const n of parts.filter((p) => !kept.includes(p)))
        expect(header.includes(n), `image ${id} header contains ${n}`).toBe(false);
      const out = path.join(outDir, `${id}.dcm`);
      fs.writeFileSync(out, bytes);
      const before = dciodvfyProblems(path.join(sampleMimic, rel_path));
      expect(before.size, 'dciodvfy ran on the source').toBeGreaterThan(0);
      const added = [...dciodvfyProblems(out)].filter((l) => !before.has(l));
      expect(added, `dciodvfy on image ${id}`).toEqual([]);
    }
  });

  it('stores de-identified report texts that contain none of the planted phrases', () => {
    const texts = project.db.prepare('SELECT deid_text FROM reports').pluck().all() as (string | null)[];
    expect(texts).toHaveLength(12);
    const { whole } = needles();
    for (const t of texts) {
      expect(t).not.toBeNull();
      const upper = t!.toUpperCase();
      for (const n of whole) expect(upper.includes(n), `a report contains ${n}`).toBe(false);
    }
  });

  it('re-runs with changed options: results replace the previous run, no duplicate rows, decisions kept', async () => {
    const db = project.db;
    const [first, second] = db.prepare('SELECT id FROM images ORDER BY id LIMIT 2').pluck().all() as number[];
    // One image a person released, one the detector flagged that nobody decided yet.
    db.prepare(
      "INSERT INTO quarantine (image_id, reason, source) VALUES (?, 'text-like regions detected in pixels', 'detector')",
    ).run(first);
    db.prepare(
      "INSERT INTO quarantine (image_id, reason, source) VALUES (?, 'text-like regions detected in pixels', 'detector')",
    ).run(second);
    await engine.invoke('deid.quarantine.decide', { imageId: first!, decision: 'release' });
    const report = (await engine.invoke('deid.reports.list', { offset: 0, limit: 1 })).items[0]!;
    const review = await engine.invoke('deid.report', { reportId: report.id });
    const rejected = review.spans.find((s) => s.category === 'DATE')!;
    await engine.invoke('deid.span.review', { spanId: rejected.id, review: 'rejected' });
    const tagsBefore = db.prepare('SELECT deid_text FROM reports ORDER BY id').pluck().all();

    await engine.invoke('deid.settings.set', {
      settings: { textMode: 'surrogates', cleanDescriptors: false },
    });
    const job = await engine.waitForJob((await engine.invoke('deid.start', {})).id);
    expect(job.state).toBe('done');
    const summary = await engine.invoke('deid.summary', { jobId: job.id });
    expect(summary).toMatchObject({ imagesProcessed: 20, reportsProcessed: 12, errors: [] });

    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    expect(count('SELECT count(DISTINCT run_id) FROM deid_actions')).toBe(1);
    expect(count('SELECT min(run_id) FROM deid_actions')).toBe(summary.runId);
    expect(count('SELECT count(*) FROM deid_images')).toBe(20);
    expect(
      count(
        'SELECT count(*) FROM (SELECT report_id, start, end FROM text_spans GROUP BY 1, 2, 3 HAVING count(*) > 1)',
      ),
    ).toBe(0);
    expect(count('SELECT count(*) FROM date_shifts')).toBe(6);
    expect(count(`SELECT count(*) FROM reports WHERE deid_run_id != ${summary.runId}`)).toBe(0);
    expect(db.prepare('SELECT deid_text FROM reports ORDER BY id').pluck().all()).not.toEqual(tagsBefore);
    expect(db.prepare('SELECT review FROM text_spans WHERE id = ?').pluck().get(rejected.id)).toBe(
      'rejected',
    );
    const queue = await engine.invoke('deid.quarantine.list', {});
    expect(queue.map((q) => [q.imageId, q.decision])).toEqual([[first, 'release']]);

    // The same options again: nothing to redo.
    const again = await engine.waitForJob((await engine.invoke('deid.start', {})).id);
    expect(await engine.invoke('deid.summary', { jobId: again.id })).toMatchObject({
      imagesProcessed: 0,
      imagesUnchanged: 20,
      reportsProcessed: 0,
      reportsUnchanged: 12,
    });
  });

  it('writes the linkage map only with the explicit flag, with a warning, and never through the app API', () => {
    expect(CHANNELS.filter((c) => /linkage/i.test(c))).toEqual([]);
    const plain = medprep(['deid', dir, '--json']);
    expect(plain.stdout).not.toMatch(/linkage/i);
    const file = path.join(work, 'linkage.csv');
    const r = medprep(['deid', dir, '--export-linkage', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/WARNING: .*re-identifies/);
    const csv = fs.readFileSync(file, 'utf8').split('\n');
    expect(csv[0]).toBe('kind,original,pseudonym');
    expect(csv.some((l) => l.startsWith('patient,mimic-cxr:12286358,'))).toBe(true);
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    expect(medprep(['deid', dir, '--export-linkage', file]).code).toBe(1);
  });

  it('shows a header before and after, with the action per attribute', async () => {
    const rows = await engine.invoke('deid.headerDiff', { imageId: 1 });
    const name = rows.find((r) => r.keyword === 'PatientName')!;
    expect(name.before).toBe('DOE^JANE');
    expect(name.after).not.toContain('DOE');
    expect(name.action).not.toBeNull();
    expect(rows.find((r) => r.keyword === 'InstitutionName')?.after ?? null).toBeNull();
    const db = new Database(path.join(dir, 'project.db'), { readonly: true });
    try {
      const stored = db.prepare('SELECT tag, action FROM deid_actions WHERE image_id = 1').all() as {
        tag: string;
        action: string;
      }[];
      expect(stored.length).toBeGreaterThan(0);
      expect(JSON.stringify(stored)).not.toContain('DOE');
    } finally {
      db.close();
    }
  });

  it('blanks drawn masks in the regenerated image', async () => {
    const masks = await engine.invoke('deid.masks.set', {
      imageId: 2,
      masks: [{ x: 0, y: 0, width: 20, height: 10 }],
    });
    expect(masks).toEqual([{ x: 0, y: 0, width: 20, height: 10 }]);
    const rows = await engine.invoke('deid.headerDiff', { imageId: 2 });
    expect(rows.find((r) => r.keyword === 'PixelData')?.action).toBe('M');
  });
});

describe('medprep deid-text and eval-deid', () => {
  it('prints the de-identified text and spans with offsets into the input', () => {
    const input = 'Seen by Dr. Alan Fakeman on 03/14/2021, MRN 7314290.\n';
    const r = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'electron', 'cli', 'bin.js'), 'deid-text', '-', '--json'],
      {
        input,
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      text: string;
      spans: { start: number; end: number; category: string; source: string; replacement: string }[];
    };
    expect(doc.spans.length).toBeGreaterThanOrEqual(3);
    let rebuilt = '';
    let at = 0;
    for (const s of doc.spans) {
      expect(Object.keys(s)).toEqual(
        expect.arrayContaining(['start', 'end', 'category', 'source', 'replacement']),
      );
      rebuilt += input.slice(at, s.start) + s.replacement;
      at = s.end;
    }
    expect(rebuilt + input.slice(at)).toBe(doc.text);
    expect(input.slice(doc.spans[0]!.start, doc.spans[0]!.end)).toContain('Fakeman');
    expect(doc.text).not.toMatch(/Fakeman|03\/14\/2021|7314290/);
    const file = path.join(work, 'note.txt');
    fs.writeFileSync(file, input);
    const plain = medprep(['deid-text', file]);
    expect(plain.stdout).toBe(doc.text);
  });

  it('replaces names, identifiers and dates in surrogate mode without a project, saying the key is ephemeral', () => {
    const file = path.join(work, 'surrogate-note.txt');
    fs.writeFileSync(file, 'Seen by Dr. Alan Fakeman on 03/14/2021, MRN 7314290.\n');
    const runs = [
      medprep(['deid-text', file, '--mode', 'surrogates']),
      medprep(['deid-text', file, '--mode', 'surrogates']),
    ];
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/ephemeral key/);
      for (const original of ['Alan', 'Fakeman', '03/14/2021', '7314290'])
        expect(r.stdout).not.toContain(original);
      // A shifted date in the input's own format, between one day and ten years earlier.
      const date = /(\d{2})\/(\d{2})\/(\d{4})/.exec(r.stdout)!;
      const days = (Date.UTC(2021, 2, 14) - Date.UTC(+date[3]!, +date[1]! - 1, +date[2]!)) / 86_400_000;
      expect(days).toBeGreaterThanOrEqual(1);
      expect(days).toBeLessThanOrEqual(3650);
    }
    expect(runs[0]!.stdout).not.toBe(runs[1]!.stdout);
  });

  it('meets the recall and precision targets on the held-out gold set and keeps misses to itself', () => {
    const gold = path.join(repoRoot, 'test', 'fixtures', 'deid', 'heldout.jsonl');
    const r = medprep(['eval-deid', gold, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      overall: { charPrecision: number };
      perCategory: Record<string, { spanRecall: number }>;
      missCount: number;
      misses?: unknown;
    };
    for (const c of ['NAME', 'ID', 'DATE', 'CONTACT'])
      expect(doc.perCategory[c]!.spanRecall, c).toBeGreaterThanOrEqual(0.995);
    expect(doc.overall.charPrecision).toBeGreaterThanOrEqual(0.95);
    expect(doc.misses).toBeUndefined();
    const human = medprep(['eval-deid', gold]);
    expect(human.stdout).toMatch(new RegExp(`misses: ${doc.missCount}\\b`));
    const shown = medprep(['eval-deid', gold, '--show-misses', '--json']);
    expect((JSON.parse(shown.stdout) as { misses: unknown[] }).misses).toHaveLength(doc.missCount);
  });
});
