// The model-backed curation paths (pair.alignment, semantic dedup) run through the real model layer with the
// tiny random-weight test models: the same ModelRunner, model process and transformers.js sessions a real
// model takes. With random weights the scores mean nothing, so thresholds are chosen from the stored
// statistics, and the semantic checks rely only on what holds for any model: a byte-identical copy has
// cosine 1 with its original, and nothing reaches a cosine above 1.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../index.ts';
import { makeModelTree, type ModelTree } from '../../../test/support/curate-tree.ts';
import { tempDir } from '../../../test/support/dicom-tree.ts';
import { TEST_MODELS_DIR } from '../../../native-models/test-helpers.ts';
import { keptSamples } from './index.ts';
import { topPercentCut } from './run.ts';
import type { Sample } from './samples.ts';

const work = tempDir('medprep-curate-models-');
let savedModelsDir: string | undefined;

const PER_SOURCE = { alpha: 8, beta: 4 };
const SOURCES = Object.keys(PER_SOURCE);

function recipe(o: {
  model?: string;
  min?: number | null;
  topPercent?: number | null;
  semantic?: { model?: string; threshold: number } | null;
}): string {
  const sem = o.semantic;
  return [
    'version: 1',
    'filters:',
    '  pair.alignment:',
    `    model: ${o.model ?? 'test-clip'}`,
    `    min: ${o.min ?? null}`,
    `    top_percent: ${o.topPercent ?? null}`,
    'dedup:',
    '  exact_pixels: { enabled: false }',
    '  near_image: { enabled: false }',
    '  near_text: { enabled: false }',
    sem
      ? `  semantic: { enabled: true, model: ${sem.model ?? 'test-clip'}, threshold: ${sem.threshold} }`
      : '  semantic: { enabled: false }',
    '',
  ].join('\n');
}

describe('model-backed curation with the tiny test models', () => {
  let tree: ModelTree;
  let engine: Engine;
  const id = new Map<string, number>();
  const role = new Map<number, string>();
  const sourceOf = (r: string) => tree.rows.find((x) => x.role === r)!.source;

  beforeAll(async () => {
    savedModelsDir = process.env.MEDPREP_MODELS_DIR;
    process.env.MEDPREP_MODELS_DIR = TEST_MODELS_DIR;
    tree = await makeModelTree(path.join(work, 'src'), PER_SOURCE);
    engine = new Engine();
    await engine.invoke('project.create', { dir: path.join(work, 'project') });
    for (const s of SOURCES) {
      const job = await engine.invoke('import.start', { source: tree.manifests[s]!, format: 'manifest' });
      expect((await engine.waitForJob(job.id)).state).toBe('done');
    }
    for (const im of (await engine.invoke('images.list', { offset: 0, limit: 100 })).items) {
      const r = Object.entries(tree.files).find(([, f]) => f === im.path)![0];
      id.set(r, im.id);
      role.set(im.id, r);
    }
    expect(id.size).toBe(tree.rows.length);
  });
  afterAll(async () => {
    await engine?.close();
    if (savedModelsDir === undefined) delete process.env.MEDPREP_MODELS_DIR;
    else process.env.MEDPREP_MODELS_DIR = savedModelsDir;
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function curate(text: string, analyse = false) {
    const job = await engine.invoke('curate.run', { recipe: text, analyse });
    const done = await engine.waitForJob(job.id);
    expect(done.state, done.message).toBe('done');
    return engine.invoke('curate.summary', { jobId: job.id });
  }
  const db = () => engine['ctx'].requireProject().db;
  const scores = () =>
    new Map(
      (
        db()
          .prepare(
            `SELECT image_id AS id, value FROM sample_stats WHERE operator = 'pair.alignment(model="test-clip")'`,
          )
          .all() as { id: number; value: number | null }[]
      ).map((r) => [r.id, r.value]),
    );
  const kept = () => new Set(keptSamples(db()).map((k) => k.imageId));
  const trace = (r: string) => engine.invoke('curate.trace', { imageId: id.get(r)! });

  it('stores an image–text cosine per sample and records the model and the device that ran', async () => {
    const s = await curate(recipe({}));
    const op = s.operators.find((o) => o.operator === 'pair.alignment')!;
    expect(op.status).toBe('ran');
    // Every sample with a thumbnail and a report gets a score; the one without a report is missing (kept).
    expect(op.computed).toBe(tree.rows.length);
    expect(op.missing).toBe(1);
    expect(op.removed).toBe(0);
    expect(op.model).toMatchObject({ id: 'test-clip', requested: 'auto' });
    expect(['cpu', 'cuda', 'dml', 'coreml', 'webgpu']).toContain(op.model!.device);
    const v = scores();
    expect(v.size).toBe(tree.rows.length);
    expect(v.get(id.get('beta-no-report')!)).toBeNull();
    const numeric = [...v.values()].filter((x): x is number => x !== null);
    expect(numeric).toHaveLength(tree.rows.length - 1);
    for (const x of numeric) expect(Math.abs(x)).toBeLessThanOrEqual(1 + 1e-6);
    // Random weights still give different scores to different pairs.
    expect(new Set(numeric).size).toBe(numeric.length);
    // The stored run records it too.
    const run = db().prepare(`SELECT summary FROM curate_runs WHERE id = ?`).get(s.runId) as {
      summary: string;
    };
    expect(JSON.parse(run.summary).operators[0].model.id).toBe('test-clip');
  });

  it('an absolute threshold removes the pairs below it with a trace row; re-deciding computes no score', async () => {
    const v = scores();
    const sorted = [...v.values()].filter((x): x is number => x !== null).sort((a, b) => a - b);
    const t = sorted[Math.floor(sorted.length / 2)]!;
    const below = [...v].filter(([, x]) => x !== null && x < t).map(([i]) => i);
    const s = await curate(recipe({ min: t }));
    expect(s.statsComputed).toBe(0);
    const op = s.operators[0]!;
    expect(op).toMatchObject({ status: 'ran', computed: 0, cached: tree.rows.length, removed: below.length });
    // Nothing computed: the record says which model the cached scores came from, and that no device ran.
    expect(op.model).toMatchObject({ id: 'test-clip', device: null });
    expect(s.removed).toBe(below.length);
    const k = kept();
    for (const i of below) expect(k.has(i)).toBe(false);
    expect(k.size).toBe(tree.rows.length - below.length);
    const victim = await trace(role.get(below[0]!)!);
    expect(victim.decisions[0]).toMatchObject({
      operator: 'pair.alignment',
      statistic: v.get(below[0]!),
      threshold: `≥ ${t}`,
      decision: 'remove',
    });
    expect((await trace('beta-no-report')).kept).toBe(true);
  });

  it('top k % per source keeps exactly the best ceil(n·k/100) scores of each source', async () => {
    const v = scores();
    const s = await curate(recipe({ topPercent: 25 }));
    expect(s.statsComputed).toBe(0);
    const k = kept();
    for (const src of SOURCES) {
      const scored = tree.rows
        .filter((r) => r.source === src && r.report !== null)
        .map((r) => ({ id: id.get(r.role)!, v: v.get(id.get(r.role)!)! }))
        .sort((a, b) => b.v - a.v);
      const keep = Math.ceil((scored.length * 25) / 100);
      expect(scored.filter((x) => k.has(x.id)).map((x) => x.id)).toEqual(
        scored.slice(0, keep).map((x) => x.id),
      );
      const loser = await trace(role.get(scored[keep]!.id)!);
      expect(loser.decisions[0]!.operator).toBe('pair.alignment');
      expect(loser.decisions[0]!.threshold).toBe(`top 25 % of its source (≥ ${scored[keep - 1]!.v})`);
    }
    expect(sourceOf('copy-of-0')).toBe('alpha');
    // The sample without a report has no score: kept, not counted in its source.
    expect((await trace('beta-no-report')).kept).toBe(true);
    expect(s.kept).toBe(Math.ceil((9 * 25) / 100) + Math.ceil((4 * 25) / 100) + 1);
  });

  it('semantic dedup clusters a byte-identical copy with its original for review, by the representative rule', async () => {
    const s = await curate(recipe({ semantic: { threshold: 0.999999 } }));
    const sem = s.dedup.find((d) => d.method === 'semantic')!;
    expect(sem).toMatchObject({ status: 'ran', clusters: 1, removed: 0 });
    expect(sem.model).toMatchObject({ id: 'test-clip', requested: 'auto' });
    const { items } = await engine.invoke('curate.clusters', { method: 'semantic', offset: 0, limit: 10 });
    expect(items).toHaveLength(1);
    const c = items[0]!;
    expect(c.status).toBe('review');
    expect(c.members.map((m) => m.imageId).sort()).toEqual([id.get('alpha-0')!, id.get('copy-of-0')!].sort());
    // The original was imported first but is a lateral view: the frontal copy represents.
    expect(c.representativeId).toBe(id.get('copy-of-0'));
    for (const m of c.members) expect(m.distance).toBe(0);
    // Review only: both kept, the other member has a review row.
    expect(s.removed).toBe(0);
    expect(s.review).toBe(2);
    const t = await trace('alpha-0');
    expect(t.kept).toBe(true);
    expect(t.decisions).toEqual([
      { operator: 'dedup.semantic', statistic: 0, threshold: 'kept for review', decision: 'review' },
    ]);
  });

  it('a semantic threshold above 1 forms no cluster', async () => {
    const s = await curate(recipe({ semantic: { threshold: 1.01 } }));
    expect(s.dedup.find((d) => d.method === 'semantic')).toMatchObject({ status: 'ran', clusters: 0 });
    expect(s.review).toBe(0);
  });

  it('a representative chosen in review for a semantic cluster survives the next run', async () => {
    await curate(recipe({ semantic: { threshold: 0.999999 } }));
    const c = (await engine.invoke('curate.clusters', { method: 'semantic', offset: 0, limit: 10 }))
      .items[0]!;
    const other = c.members.find((m) => m.imageId !== c.representativeId)!.imageId;
    await engine.invoke('curate.setRepresentative', { clusterId: c.id, imageId: other });
    expect(kept().has(c.representativeId!)).toBe(false);
    const s = await curate(recipe({ semantic: { threshold: 0.999999 } }));
    const again = (await engine.invoke('curate.clusters', { method: 'semantic', offset: 0, limit: 10 }))
      .items[0]!;
    expect(again).toMatchObject({ status: 'merged', chosenBy: 'user', representativeId: other });
    expect(kept().has(other)).toBe(true);
    expect(kept().has(c.representativeId!)).toBe(false);
    expect(s.removed).toBe(1);
    const loser = await engine.invoke('curate.trace', { imageId: c.representativeId! });
    expect(loser.decisions.map((d) => d.operator)).toEqual(['dedup.review']);
  });

  it('other weights under the same model id are scored again; the same weights are not', async () => {
    const models = path.join(work, 'models-v2');
    fs.cpSync(path.join(TEST_MODELS_DIR, 'test-clip'), path.join(models, 'test-clip'), { recursive: true });
    // Another copy of the model: unpinned (no hashes), so its fingerprint differs from the pinned one.
    const manifest = path.join(models, 'test-clip', 'medprep.json');
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { files: { sha256: string | null }[] };
    for (const f of m.files) f.sha256 = null;
    fs.writeFileSync(manifest, JSON.stringify(m));
    process.env.MEDPREP_MODELS_DIR = models;
    try {
      expect((await curate(recipe({}))).operators[0]!.computed).toBe(tree.rows.length);
      expect((await curate(recipe({ min: 0.5 }))).operators[0]!.computed).toBe(0);
    } finally {
      process.env.MEDPREP_MODELS_DIR = TEST_MODELS_DIR;
    }
  });

  describe('a missing or corrupt model', () => {
    it('not installed: both operators report "not run" and the run completes', async () => {
      const s = await curate(
        recipe({ model: 'no-such-model', min: 0.5, semantic: { model: 'no-such-model', threshold: 0.9 } }),
      );
      expect(s.operators[0]).toMatchObject({ status: 'not run: no model installed', removed: 0 });
      expect(s.dedup.find((d) => d.method === 'semantic')!.status).toBe('not run: no model installed');
      expect(s.kept).toBe(tree.rows.length);
    });

    it('corrupt or incomplete files: "not run" with the reason, nothing stored, the run completes', async () => {
      const models = path.join(work, 'models');
      fs.cpSync(path.join(TEST_MODELS_DIR, 'test-clip'), path.join(models, 'test-clip'), { recursive: true });
      const vision = path.join(models, 'test-clip', 'onnx', 'vision_model.onnx');
      fs.writeFileSync(vision, 'not an onnx file');
      process.env.MEDPREP_MODELS_DIR = models;
      try {
        // Cached scores need no model: drop them so that the model has to run.
        db().prepare(`DELETE FROM sample_stats WHERE operator LIKE 'pair.alignment%'`).run();
        const s = await curate(recipe({ min: 0, semantic: { threshold: 0.9 } }));
        expect(s.operators[0]!.status).toMatch(
          /^not run: model test-clip is damaged: onnx\/vision_model\.onnx has SHA-256 .* the file is corrupt/,
        );
        expect(s.dedup.find((d) => d.method === 'semantic')!.status).toMatch(/^not run: model test-clip/);
        expect(s.kept).toBe(tree.rows.length);
        expect(scores().size).toBe(0);

        // Unpinned (no hash to check against), so the runtime meets the damaged file: its error is the reason.
        const manifest = path.join(models, 'test-clip', 'medprep.json');
        const m0 = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { files: { sha256: string | null }[] };
        for (const f of m0.files) f.sha256 = null;
        fs.writeFileSync(manifest, JSON.stringify(m0));
        const u = await curate(recipe({ min: 0 }));
        expect(u.operators[0]!.status).toMatch(
          /^not run: model test-clip failed: could not be loaded on \w+: ./,
        );
        expect(u.operators[0]!.status.length).toBeLessThanOrEqual(300);
        expect(scores().size).toBe(0);

        fs.rmSync(vision);
        const m = await curate(recipe({ min: 0 }));
        expect(m.operators[0]!.status).toMatch(/^not run: model test-clip is incomplete.*vision_model\.onnx/);
      } finally {
        process.env.MEDPREP_MODELS_DIR = TEST_MODELS_DIR;
      }
    });
  });
});

describe('top k % per source', () => {
  it('keeps every sample that ties with the cut, so a source can keep more than k %', () => {
    const s = (i: number, sourceId: number) => ({ id: i, sourceId }) as Sample;
    const samples = [s(1, 1), s(2, 1), s(3, 1), s(4, 1), s(5, 2), s(6, 2)];
    const stats = new Map(
      [0.9, 0.5, 0.5, 0.1, 0.3, null].map((value, i) => [i + 1, { value, label: null }] as const),
    );
    const cut = topPercentCut(samples, stats, 50);
    // Source 1: the second best is 0.5, shared by two samples: three are kept (≥ 0.5).
    expect(cut.get(1)).toBe(0.5);
    // Source 2: one scored sample; at least one is always kept.
    expect(cut.get(2)).toBe(0.3);
    expect(topPercentCut(samples, stats, 0).get(1)).toBe(0.9);
  });
});
