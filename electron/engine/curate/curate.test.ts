import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../index.ts';
import { makeCurateTree, type CurateTree } from '../../../test/support/curate-tree.ts';
import { medprep, repoRoot, tempDir } from '../../../test/support/dicom-tree.ts';
import { defaultRecipeText, keptSamples, parseRecipe } from './index.ts';
import { clusterSignatures, coefficients, signatures } from './minhash.ts';
import { bandLayout, bandValues, hamming64, nearPairs, splitHash, syncPhashIndex } from './phash-index.ts';
import { viewClass } from './samples.ts';
import { placeholderDensity, repetitionShare, reportLanguage } from './text-stats.ts';
import { Project } from '../project/project.ts';

const work = tempDir('medprep-curate-');
// No model is installed for these tests, whatever the machine has.
const savedModelsDir = process.env.MEDPREP_MODELS_DIR;
process.env.MEDPREP_MODELS_DIR = path.join(work, 'no-models');
afterAll(() => {
  if (savedModelsDir === undefined) delete process.env.MEDPREP_MODELS_DIR;
  else process.env.MEDPREP_MODELS_DIR = savedModelsDir;
  fs.rmSync(work, { recursive: true, force: true });
});

async function curate(engine: Engine, args: { recipe?: string; analyse?: boolean } = {}) {
  const job = await engine.invoke('curate.run', args);
  const done = await engine.waitForJob(job.id);
  expect(done.state, done.message).toBe('done');
  return engine.invoke('curate.summary', { jobId: job.id });
}

/** The default recipe with one line replaced (thresholds are edited as a user would edit the YAML). */
function edit(from: string, to: string): string {
  const text = defaultRecipeText();
  expect(text).toContain(from);
  return text.replace(from, to);
}

describe('curation of a source with known duplicates and defects', () => {
  let tree: CurateTree;
  let engine: Engine;
  const id = new Map<string, number>();

  beforeAll(async () => {
    tree = await makeCurateTree(path.join(work, 'src'));
    engine = new Engine();
    await engine.invoke('project.create', { dir: path.join(work, 'project') });
    const job = await engine.invoke('import.start', { source: tree.manifest, format: 'manifest' });
    await engine.waitForJob(job.id);
    for (const im of (await engine.invoke('images.list', { offset: 0, limit: 100 })).items) {
      const role = Object.entries(tree.files).find(([, f]) => f === im.path)![0];
      id.set(role, im.id);
    }
  });
  afterAll(() => engine.close());

  const trace = (role: string) => engine.invoke('curate.trace', { imageId: id.get(role)! });

  it('removes each defect with a trace row naming the operator, its statistic and threshold', async () => {
    const s = await curate(engine);
    expect(s.samples).toBe(23);
    const expected: [string, string][] = [
      ['tiny', 'image.min_size'],
      ['blank', 'image.blank'],
      ['saturated', 'image.saturated'],
      ['oblique', 'image.view_position'],
      ['placeholders', 'report.placeholders'],
      ['markup', 'report.markup'],
      ['repetition', 'report.repetition'],
      ['german', 'report.language'],
      ['boilerplate', 'report.boilerplate'],
      ['non-printable', 'report.non_printable'],
    ];
    for (const [role, operator] of expected) {
      const t = await trace(role);
      expect(t.kept, role).toBe(false);
      expect(t.decisions.map((d) => d.operator)).toContain(operator);
      const d = t.decisions.find((x) => x.operator === operator)!;
      expect(d.decision).toBe('remove');
      expect(d.threshold).toBeTruthy();
    }
    expect((await trace('tiny')).decisions[0]).toMatchObject({ statistic: 64, threshold: '≥ 128' });
    expect((await trace('german')).decisions[0]!.threshold).toMatch(/value deu/);
    expect(s.operators.find((o) => o.operator === 'pair.alignment')!.status).toBe(
      'not run: no model installed',
    );
  });

  it('removes byte, re-encoded, resized and re-windowed copies of one patient, keeping one representative', async () => {
    const copies = ['a', 'a-copy', 'a-reencoded'].map((r) => id.get(r)!);
    const kept = new Set(keptSamples(engine['ctx'].requireProject().db).map((k) => k.imageId));
    expect(copies.filter((c) => kept.has(c))).toHaveLength(1);
    // Import order decides ids, and the lower id wins a tie (b and its re-windowed copy have one size); the
    // resized copy is smaller, so it never represents.
    const group = await Promise.all(['b', 'b-resized', 'b-rewindowed'].map((r) => trace(r)));
    expect(group.filter((t) => t.kept)).toHaveLength(1);
    expect(group[1]!.kept).toBe(false);
    for (const t of group.filter((x) => !x.kept)) {
      expect(t.decisions[0]!.operator).toBe('dedup.near_image');
      expect(t.decisions[0]!.statistic).toBeLessThanOrEqual(2);
    }
  });

  it('puts the same image under two patients in a review cluster: both kept, in one split', async () => {
    const { items } = await engine.invoke('curate.clusters', {
      method: 'exact-pixels',
      offset: 0,
      limit: 10,
    });
    const review = items.find((c) => c.status === 'review')!;
    expect(review.members.map((m) => m.imageId).sort()).toEqual(
      [id.get('d')!, id.get('d-other-patient')!].sort(),
    );
    expect(new Set(review.members.map((m) => m.patientId)).size).toBe(2);
    expect((await trace('d')).kept).toBe(true);
    expect((await trace('d-other-patient')).kept).toBe(true);
    // p4 is officially in test, so p3 joins it.
    expect((await trace('d')).split).toBe('test');
    expect((await trace('d-other-patient')).split).toBe('test');
    expect(await engine.invoke('curate.leakage', {})).toMatchObject({ ok: true, violations: [] });
  });

  it('keeps identical boilerplate reports of distinct images, and both views of a study', async () => {
    for (const r of ['e-frontal', 'e-lateral', 'normal-7', 'normal-8', 'normal-9'])
      expect((await trace(r)).kept, r).toBe(true);
    const { items } = await engine.invoke('curate.clusters', { method: 'exact-text', offset: 0, limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]!.size).toBe(5);
    // The representative rule: frontal over lateral.
    expect(items[0]!.members[0]!.view).toBe('frontal');
  });

  it('a capped text cluster keeps min_keep studies and removes the rest, both views of a study together', async () => {
    await curate(engine, { recipe: edit('min_keep: 50', 'min_keep: 2') });
    const normal = ['e-frontal', 'e-lateral', 'normal-7', 'normal-8', 'normal-9'];
    const kept = await Promise.all(normal.map(async (r) => (await trace(r)).kept));
    const keptStudies = new Set(normal.filter((_, i) => kept[i]).map((r) => (r.startsWith('e-') ? 's5' : r)));
    expect(keptStudies.size).toBe(2);
    expect(kept[0]).toBe(kept[1]);
    const removed = await trace(normal[kept.indexOf(false)]!);
    expect(removed.decisions[0]).toMatchObject({ operator: 'dedup.text_cap', statistic: 4 });
  });

  it('re-running with changed thresholds recomputes no statistic, only decisions', async () => {
    await curate(engine);
    const s = await curate(engine, { recipe: edit('min: 128', 'min: 300') });
    expect(s.statsComputed).toBe(0);
    expect(s.operators.every((o) => o.computed === 0)).toBe(true);
    expect((await trace('b-resized')).decisions.map((d) => d.operator)).toContain('image.min_size');
    // A parameter that changes the statistic recomputes that operator only.
    const n = await curate(engine, { recipe: edit('n: 5', 'n: 4') });
    expect(n.operators.filter((o) => o.computed > 0).map((o) => o.operator)).toEqual(['report.repetition']);
    expect(n.statsComputed).toBe(23);
  });

  it('analyse stores statistics and histograms, removes nothing and leaves the kept set alone', async () => {
    await curate(engine);
    const before = keptSamples(engine['ctx'].requireProject().db);
    const s = await curate(engine, { analyse: true, recipe: edit('min: 128', 'min: 1000') });
    expect(s.analyse).toBe(true);
    expect(s.removed).toBe(0);
    expect(s.operators.find((o) => o.operator === 'image.min_size')!.removed).toBe(23);
    expect(keptSamples(engine['ctx'].requireProject().db)).toEqual(before);
    const funnel = await engine.invoke('curate.funnel', {});
    expect(funnel.analyse).toBe(true);
    expect(funnel.stages[0]).toMatchObject({ stage: 'image.min_size', removed: 23, remaining: 0 });
  });

  it('histograms and previews come from stored statistics', async () => {
    await curate(engine);
    const h = await engine.invoke('curate.histogram', { operator: 'image.min_size', bins: 4 });
    expect(h.bins).toHaveLength(4);
    expect(h.bins.reduce((a, b) => a + b.count, 0)).toBe(23);
    expect(h.bins[0]!.from).toBe(64);
    const v = await engine.invoke('curate.histogram', { operator: 'image.view_position', bins: 4 });
    expect(v.categories).toEqual(
      expect.arrayContaining([
        { label: 'frontal', count: 21 },
        { label: 'lateral', count: 1 },
        { label: 'other', count: 1 },
      ]),
    );
    expect(
      await engine.invoke('curate.preview', { operator: 'image.min_size', threshold: 300 }),
    ).toMatchObject({
      kept: 21,
      removed: 2,
    });
    expect(
      await engine.invoke('curate.preview', { operator: 'image.view_position', threshold: ['frontal'] }),
    ).toMatchObject({ kept: 21, removed: 2 });
  });

  it('choosing a representative in review merges the cluster and updates the kept set and the trace', async () => {
    await curate(engine);
    const { items } = await engine.invoke('curate.clusters', {
      method: 'exact-pixels',
      offset: 0,
      limit: 10,
    });
    const review = items.find((c) => c.status === 'review')!;
    const other = review.members.find((m) => m.imageId !== review.representativeId)!.imageId;
    const c = await engine.invoke('curate.setRepresentative', { clusterId: review.id, imageId: other });
    expect(c).toMatchObject({ status: 'merged', chosenBy: 'user', representativeId: other });
    const loser = (await engine.invoke('curate.trace', { imageId: review.representativeId! }))!;
    expect(loser.kept).toBe(false);
    expect(loser.decisions.map((d) => d.operator)).toContain('dedup.review');
    const kept = keptSamples(engine['ctx'].requireProject().db).map((k) => k.imageId);
    expect(kept).toContain(other);
    expect(kept).not.toContain(review.representativeId);
    // The choice survives the next run.
    await curate(engine);
    const again = (
      await engine.invoke('curate.clusters', { method: 'exact-pixels', offset: 0, limit: 10 })
    ).items.find((x) => x.members.some((m) => m.imageId === other) && x.size === 2)!;
    expect(again).toMatchObject({ status: 'merged', representativeId: other, chosenBy: 'user' });
    await expect(
      engine.invoke('curate.setRepresentative', { clusterId: again.id, imageId: id.get('tiny')! }),
    ).rejects.toThrow(/not in cluster/);
  });

  it('refuses a bad recipe before starting a job', async () => {
    await expect(engine.invoke('curate.run', { recipe: 'filters:\n  image.nonsense: {}\n' })).rejects.toThrow(
      /unknown operator "image.nonsense"/,
    );
    await expect(engine.invoke('curate.run', { recipe: edit('train: 0.8', 'train: 0.7') })).rejects.toThrow(
      /add up to 1/,
    );
  });
});

describe('curation of the bundled sample data', () => {
  it('uses official splits, treats stemmed PADCHEST text as Spanish, drops the pediatric image, counts failed decodes', async () => {
    const engine = new Engine();
    try {
      await engine.invoke('project.create', { dir: path.join(work, 'sample') });
      for (const src of ['mimic-cxr', 'padchest']) {
        const job = await engine.invoke('import.start', {
          source: path.join(repoRoot, 'resources', 'sample-data', src),
        });
        await engine.waitForJob(job.id);
      }
      const s = await curate(engine);
      expect(s.samples).toBe(31);
      expect(s.leakage.ok).toBe(true);
      const db = engine['ctx'].requireProject().db;
      const lang = db
        .prepare(
          `SELECT s.label FROM sample_stats s JOIN images i ON i.id = s.image_id JOIN series se ON se.id = i.series_id
           JOIN reports r ON r.study_id = se.study_id WHERE s.operator LIKE 'report.language%' AND r.stemmed = 1`,
        )
        .all() as { label: string }[];
      expect(lang.length).toBeGreaterThan(0);
      expect(lang.every((l) => l.label === 'spa')).toBe(true);
      const pediatric = db
        .prepare(`SELECT id FROM images WHERE json_extract(meta, '$.pediatric') = 1`)
        .get() as { id: number };
      const t = await engine.invoke('curate.trace', { imageId: pediatric.id });
      expect(t.decisions[0]).toMatchObject({ operator: 'image.pediatric', statistic: 0 });
      const splits = db
        .prepare(
          `SELECT p.patient_key AS key, ps.split, ps.source FROM patient_splits ps JOIN patients p ON p.id = ps.patient_id`,
        )
        .all() as { key: string; split: string; source: string }[];
      expect(splits.find((p) => p.key === 'mimic-cxr:18827001')).toMatchObject({
        split: 'test',
        source: 'official',
      });
      expect(splits.filter((p) => p.key.startsWith('padchest:')).every((p) => p.source !== 'official')).toBe(
        true,
      );
      const funnel = await engine.invoke('curate.funnel', {});
      expect(funnel.failedDecodes).toBe(2);
      expect(funnel.kept).toBe(s.kept);
      expect(funnel.splits.train + funnel.splits.validate + funnel.splits.test).toBe(s.kept);
    } finally {
      await engine.close();
    }
  });
});

describe('the medprep curate command', () => {
  it('prints the summary as JSON, and --analyse removes nothing', async () => {
    const dir = path.join(work, 'cli');
    expect(medprep(['init', dir]).code).toBe(0);
    expect(medprep(['import', dir, path.join(repoRoot, 'resources', 'sample-data', 'mimic-cxr')]).code).toBe(
      0,
    );
    const env = { MEDPREP_MODELS_DIR: path.join(work, 'no-models') };
    const analysed = medprep(['curate', dir, '--analyse', '--json'], env);
    expect(analysed.code, analysed.stderr).toBe(0);
    const a = JSON.parse(analysed.stdout);
    expect(a).toMatchObject({ analyse: true, removed: 0, samples: 20 });
    expect(a.statsComputed).toBeGreaterThan(0);
    const recipe = path.join(work, 'recipe.yaml');
    fs.writeFileSync(recipe, defaultRecipeText().replace('min: 128', 'min: 100'));
    const run = medprep(['curate', dir, '--recipe', recipe, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const s = JSON.parse(run.stdout);
    expect(s).toMatchObject({ analyse: false, samples: 20, statsComputed: 0, leakage: { ok: true } });
    expect(s.splits.train + s.splits.validate + s.splits.test).toBe(s.kept);
    const bad = medprep(['curate', dir, '--recipe', path.join(work, 'missing.yaml')], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('building blocks', () => {
  it('maps view positions to view classes', () => {
    expect(['PA', 'AP', 'ap_horizontal', 'POSTERO-ANTERIOR'].map(viewClass)).toEqual(
      Array(4).fill('frontal'),
    );
    expect(['LATERAL', 'LL', 'L', 'RL'].map(viewClass)).toEqual(Array(4).fill('lateral'));
    expect(['LAO', 'AP AXIAL', 'LLD', 'COSTAL'].map(viewClass)).toEqual(Array(4).fill('other'));
    expect(viewClass(null)).toBe('unknown');
  });

  it('measures report text the radiology way', () => {
    expect(reportLanguage('siluet cardiomediastin dentr limit normal', true, 40)).toBe('spa');
    expect(reportLanguage('No acute process.', false, 40)).toBe('und');
    expect(repetitionShare(['No effusion. No pneumothorax. No consolidation. Heart size normal.'], 5)).toBe(
      0,
    );
    expect(placeholderDensity('Patient ___ seen by Dr. ___ on ___.')).toBeLessThan(100);
    expect(placeholderDensity('[**Name**] [**Date**] XXXX')).toBeGreaterThan(100);
  });

  it('MinHash + LSH clusters near-identical reports and keeps different ones apart', () => {
    const base =
      'the lungs are clear without focal consolidation no pleural effusion or pneumothorax heart size normal';
    const texts = [
      base,
      base.replace('normal', 'normal.'),
      `${base} stable`,
      'large right pleural effusion with compressive atelectasis of the right lower lobe',
      'left upper lobe mass measuring 3.2 x 2.1 cm concerning for malignancy',
    ];
    const sig = signatures(texts, 3, coefficients(128));
    const uf = clusterSignatures(sig, texts.length, 128, 16, 0.8);
    expect(uf.find(0)).toBe(uf.find(1));
    expect(uf.find(0)).toBe(uf.find(2));
    expect(uf.find(3)).not.toBe(uf.find(0));
    expect(uf.find(4)).not.toBe(uf.find(3));
  });

  it('the banded phash index finds exactly the pairs within the radius that a brute-force scan finds', () => {
    const dir = path.join(work, 'phash');
    const project = Project.create(dir, 'phash', 'test');
    const db = project.db;
    let s = 7;
    const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
    const hex = (hi: number, lo: number) =>
      hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
    const hashes: string[] = [];
    for (let i = 0; i < 300; i++) {
      if (i % 3 === 1) {
        // A near copy of the previous hash: 1 to 5 bits flipped.
        const [hi, lo] = splitHash(hashes[i - 1]!);
        let h = hi;
        let l = lo;
        for (let k = 0; k <= i % 5; k++) {
          const bit = rnd() % 64;
          if (bit < 32) h = (h ^ (1 << bit)) >>> 0;
          else l = (l ^ (1 << (bit - 32))) >>> 0;
        }
        hashes.push(hex(h, l));
      } else hashes.push(hex(rnd(), rnd()));
    }
    db.exec(`INSERT INTO sources (id, path, format, added_at) VALUES (1, '/s', 'dicom', 'now');
      INSERT INTO files (id, source_id, rel_path, size, mtime_ms, status) VALUES (1, 1, 'f', 0, 0, 'imported');
      INSERT INTO patients (id, patient_key) VALUES (1, 'p');
      INSERT INTO studies (id, patient_id, study_uid) VALUES (1, 1, 's');
      INSERT INTO series (id, study_id, series_uid) VALUES (1, 1, 'se');`);
    const ins = db.prepare(
      `INSERT INTO images (file_id, series_id, frame, sop_uid, sop_class_uid, rows, columns, bits_allocated, bits_stored,
        samples_per_pixel, photometric, transfer_syntax, pixel_hash, phash, window_source, header)
       VALUES (1, 1, ?, 'u', 'c', 1, 1, 8, 8, 1, 'MONOCHROME2', 't', ?, ?, 'none', '{}')`,
    );
    hashes.forEach((h, i) => ins.run(i, `px${i}`, h));
    syncPhashIndex(db, 5);
    const found = nearPairs(db, 4)
      .map((p) => `${p.a}-${p.b}-${p.distance}`)
      .sort();
    const brute: string[] = [];
    for (let i = 0; i < hashes.length; i++)
      for (let j = i + 1; j < hashes.length; j++) {
        const [ah, al] = splitHash(hashes[i]!);
        const [bh, bl] = splitHash(hashes[j]!);
        const d = hamming64(ah, al, bh, bl);
        if (d <= 4) brute.push(`${i + 1}-${j + 1}-${d}`);
      }
    expect(found).toEqual(brute.sort());
    expect(found.length).toBeGreaterThan(50);
    expect(bandLayout(5).map((b) => b.width)).toEqual([13, 13, 13, 13, 12]);
    expect(bandValues(0xffffffff, 0, bandLayout(2))).toEqual([0xffffffff, 0]);
    project.close();
  });

  it('parses the default recipe with every operator', () => {
    const r = parseRecipe(defaultRecipeText());
    expect(r.filters.length).toBe(18);
    expect(r.dedup.nearImage).toEqual({ enabled: true, autoRadius: 2, reviewRadius: 4 });
    expect(r.split.ratios).toEqual({ train: 0.8, validate: 0.1, test: 0.1 });
  });
});
