// The report-text NER model through the model layer, with the tiny random-weight test model
// (native-models/test-models/test-ner). Its labels are arbitrary, so this checks the plumbing: the job finds and
// runs it, records its id and device, stores any model spans with source 'model', closes the model process, and
// the union with the rules never loses what the rules alone find; not the model's quality.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, sampleMimic, tempDir } from '../../../test/support/dicom-tree.ts';
import { Engine } from '../index.ts';
import { Project } from '../project/project.ts';
import { categoryOfLabel } from './text-model.ts';

const work = tempDir('medprep-textmodel-');
const testModels = path.join(repoRoot, 'native-models', 'test-models');
const saved = process.env.MEDPREP_MODELS_DIR;
process.env.MEDPREP_MODELS_DIR = testModels;
afterAll(() => {
  if (saved === undefined) delete process.env.MEDPREP_MODELS_DIR;
  else process.env.MEDPREP_MODELS_DIR = saved;
  fs.rmSync(work, { recursive: true, force: true });
});

const planted = JSON.parse(fs.readFileSync(path.join(sampleMimic, 'planted-identifiers.json'), 'utf8')) as {
  reports: Record<string, string[]>;
};

describe('NER label map', () => {
  it('maps entity labels (with or without BIO prefixes) to categories and ignores the rest', () => {
    expect(categoryOfLabel('B-PATIENT')).toBe('NAME');
    expect(categoryOfLabel('I-HCW')).toBe('NAME');
    expect(categoryOfLabel('PER')).toBe('NAME');
    expect(categoryOfLabel('DATE')).toBe('DATE');
    expect(categoryOfLabel('MRN')).toBe('ID');
    expect(categoryOfLabel('ID')).toBe('ID');
    expect(categoryOfLabel('HOSPITAL')).toBe('LOCATION');
    expect(categoryOfLabel('LOC')).toBe('LOCATION');
    expect(categoryOfLabel('PHONE')).toBe('CONTACT');
    expect(categoryOfLabel('EMAIL')).toBe('CONTACT');
    expect(categoryOfLabel('CONTACT')).toBe('CONTACT');
    for (const l of ['O', 'MISC', 'LABEL_3', '']) expect(categoryOfLabel(l)).toBeNull();
  });
});

describe('the deid job with an installed token-classification model', () => {
  const dir = path.join(work, 'project');
  let engine: Engine;
  const run = async () => {
    const job = await engine.waitForJob((await engine.invoke('deid.start', {})).id);
    return {
      job,
      summary: job.state === 'done' ? await engine.invoke('deid.summary', { jobId: job.id }) : null,
    };
  };
  /** Per report, the characters its effective spans cover. */
  const covered = (): Map<number, Set<number>> => {
    const p = Project.open(dir);
    try {
      const rows = p.db
        .prepare("SELECT report_id, start, end FROM text_spans WHERE review IS NULL OR review = 'accepted'")
        .all() as { report_id: number; start: number; end: number }[];
      const out = new Map<number, Set<number>>();
      for (const r of rows) {
        const set = out.get(r.report_id) ?? new Set<number>();
        for (let i = r.start; i < r.end; i++) set.add(i);
        out.set(r.report_id, set);
      }
      return out;
    } finally {
      p.close();
    }
  };
  let withModel: Map<number, Set<number>>;

  beforeAll(async () => {
    engine = new Engine();
    await engine.invoke('project.create', { dir, name: 'NER' });
    const imp = await engine.waitForJob(
      (await engine.invoke('import.start', { source: sampleMimic, format: 'mimic-cxr' })).id,
    );
    expect(imp.state, imp.message).toBe('done');
  });
  afterAll(() => engine.close());

  it('runs the model (auto), records its id and device in the summary and the run, and closes it', async () => {
    const { job, summary } = await run();
    expect(job.state, job.message).toBe('done');
    expect(summary!.textModel).toEqual({ id: 'test-ner', device: 'cpu' });
    expect(summary!.reportsProcessed).toBe(12);
    expect(summary!.errors).toEqual([]);
    const p = Project.open(dir);
    try {
      const options = JSON.parse(
        p.db.prepare('SELECT options FROM deid_runs ORDER BY id DESC LIMIT 1').pluck().get() as string,
      ) as { textModel: string; textModelRun: unknown };
      expect(options.textModel).toBe('auto');
      expect(options.textModelRun).toEqual({ id: 'test-ner', device: 'cpu' });
      const sources = p.db.prepare('SELECT DISTINCT source FROM text_spans').pluck().all() as string[];
      for (const s of sources) expect(s).toMatch(/^(?:rule:.+|header|model|placeholder)$/);
      const modelSpans = p.db
        .prepare("SELECT count(*) FROM text_spans WHERE source = 'model'")
        .pluck()
        .get() as number;
      console.log(`test-ner: ${modelSpans} spans with source 'model' (random weights: any count is fine)`);
      for (const text of p.db.prepare('SELECT deid_text FROM reports').pluck().all() as string[])
        for (const phrases of Object.values(planted.reports))
          for (const v of phrases) expect(text.includes(v), v).toBe(false);
    } finally {
      p.close();
    }
    withModel = covered();
    // The model process is gone: no child of this process runs the model host any more.
    await new Promise((r) => setTimeout(r, 200));
    const ps = spawnSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    expect(ps.stdout).not.toMatch(/native-models/);
  });

  it('rules alone (textModel off) cover nothing the run with the model did not: recall is not reduced', async () => {
    await engine.invoke('deid.settings.set', { settings: { textModel: 'off' } });
    const { job, summary } = await run();
    expect(job.state, job.message).toBe('done');
    expect(summary!.textModel).toBeNull();
    expect(summary!.reportsProcessed).toBe(12); // the model is part of a report's key: all redone
    expect(summary!.imagesProcessed).toBe(0); // and not of an image's
    const rulesOnly = covered();
    for (const [report, chars] of rulesOnly)
      for (const c of chars) expect(withModel.get(report)?.has(c), `report ${report} char ${c}`).toBe(true);
  });

  it('a named model that is not installed fails the job with a clear reason', async () => {
    await engine.invoke('deid.settings.set', { settings: { textModel: 'no-such-model' } });
    const { job } = await run();
    expect(job.state).toBe('failed');
    expect(job.message).toMatch(/no-such-model/);
    await engine.invoke('deid.settings.set', { settings: { textModel: 'auto' } });
  });

  it('medprep deid-text --model test-ner unites the model with the rules', () => {
    const cli = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'electron', 'cli', 'bin.js'), 'deid-text', '--model', 'test-ner', '--json'],
      {
        input: 'Seen by Dr. Jane Doe on 03/14/2021.\n',
        encoding: 'utf8',
        env: { ...process.env, MEDPREP_MODELS_DIR: testModels },
      },
    );
    expect(cli.status, cli.stderr).toBe(0);
    const out = JSON.parse(cli.stdout) as { text: string; model: unknown };
    expect(out.model).toEqual({ id: 'test-ner', device: 'cpu' });
    expect(out.text).not.toMatch(/Jane|Doe|03\/14/);
  });
});
