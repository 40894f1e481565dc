// The detail view's engine calls on the real sample project: real values for window/level, served only
// through the media resolver; labels and reports; neighbours; the dashboard; the project's curation recipe.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, modalityValues, parseDicom, readPixelInfo } from '../../electron/engine/dicom/index.ts';
import { runJob, sampleProject, type SampleProject } from '../support/sample-project.ts';

let p: SampleProject;

beforeAll(async () => {
  p = await sampleProject({ sft: false });
}, 180_000);
afterAll(() => p?.dispose());

async function firstDicomImage() {
  const page = await p.engine.invoke('images.list', { offset: 0, limit: 1000 });
  const row = page.items.find((i) => i.path.endsWith('.dcm'));
  if (!row) throw new Error('no DICOM image in the sample project');
  return row;
}

describe('detail.pixels', () => {
  it('serves the modality values of the source, downsampled, through the media resolver only', async () => {
    const row = await firstDicomImage();
    const px = await p.engine.invoke('detail.pixels', { imageId: row.id });
    expect(Math.max(px.width, px.height)).toBeLessThanOrEqual(1024);
    expect([px.sourceWidth, px.sourceHeight]).toEqual([row.columns, row.rows]);
    expect(px.windows.at(-1)?.label).toBe('Full range');

    const file = p.engine.resolveMedia(`/${px.url}`);
    expect(file).not.toBeNull();
    expect(path.relative(path.join(p.dir, 'cache'), file!).startsWith('..')).toBe(false);
    const buf = fs.readFileSync(file!);
    const values = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    expect(values.length).toBe(px.width * px.height * px.channels);
    expect(Math.min(...values)).toBe(px.min);
    expect(Math.max(...values)).toBe(px.max);

    // The same mean as the full-resolution modality values: an average, not the 8-bit rendering.
    const detail = await p.engine.invoke('images.get', { id: row.id });
    const sources = p.engine['project']!.db.prepare('SELECT path FROM sources').pluck().all() as string[];
    const src = sources.map((s) => path.join(s, detail.path)).find((f) => fs.existsSync(f))!;
    const dicom = parseDicom(fs.readFileSync(src));
    const full = modalityValues(dicom.dataset, decodeFrame(dicom, 0, readPixelInfo(dicom.dataset)));
    const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
    if (px.width === row.columns) expect(Array.from(values)).toEqual(Array.from(full, Math.fround));
    else expect(Math.abs(mean(values) - mean(full))).toBeLessThan((px.max - px.min) * 0.02);
    expect(px.max).toBeGreaterThan(255); // 12-bit radiographs: more than the PNG's 8 bits

    // Cached: a second call answers the same without rewriting.
    const mtime = fs.statSync(file!).mtimeMs;
    expect(await p.engine.invoke('detail.pixels', { imageId: row.id })).toEqual(px);
    expect(fs.statSync(file!).mtimeMs).toBe(mtime);
  });

  it('serves a PNG source (PADCHEST, 16-bit) at its stored values, with the full range as its only window', async () => {
    const page = await p.engine.invoke('images.list', { offset: 0, limit: 1000 });
    const png = page.items.find((i) => i.path.endsWith('.png'))!;
    const px = await p.engine.invoke('detail.pixels', { imageId: png.id });
    expect(px.windows.map((w) => w.label)).toEqual(['Full range']);
    expect(px.channels).toBe(1);
    const buf = fs.readFileSync(p.engine.resolveMedia(`/${px.url}`)!);
    const values = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    expect(values.length).toBe(px.width * px.height);
    expect(px.max).toBeGreaterThan(255); // 16-bit grey kept, not the 8-bit rendering
  });

  it('refuses media URLs that name another image, a stale hash or a path outside the cache', async () => {
    const row = await firstDicomImage();
    const px = await p.engine.invoke('detail.pixels', { imageId: row.id });
    const hash = /-([0-9a-f]{64})\.f32$/.exec(px.url)![1]!;
    expect(p.engine.resolveMedia(`/media/pixels/${row.id}-${'0'.repeat(64)}.f32`)).toBeNull();
    expect(p.engine.resolveMedia(`/media/pixels/${row.id + 1}-${hash}.f32`)).toBeNull();
    expect(p.engine.resolveMedia(`/media/pixels/../../project.db`)).toBeNull();
    await expect(p.engine.invoke('detail.pixels', { imageId: 999_999 })).rejects.toMatchObject({
      code: 'not-found',
    });
  });
});

describe('detail.context and detail.neighbours', () => {
  it('gives the study report, the four-state labels and the de-identification state', async () => {
    const row = await firstDicomImage();
    const ctx = await p.engine.invoke('detail.context', { imageId: row.id });
    expect(ctx.reportIds.length).toBeGreaterThan(0);
    expect(ctx.deid).toBe('done');
    expect(ctx.labels.length).toBeGreaterThan(0);
    for (const l of ctx.labels) expect([1, 0, -1, null]).toContain(l.value);
    const report = await p.engine.invoke('deid.report', { reportId: ctx.reportIds[0]! });
    expect(report.spans.length).toBeGreaterThan(0);
  });

  it('lists images with near pHashes and cluster co-members, nearest first, never the image itself', async () => {
    await runJob(p.engine, p.engine.invoke('curate.run', {}));
    const db = p.engine['project']!.db;
    const pair = db
      .prepare(
        `SELECT a.image_id AS a, b.image_id AS b FROM dedup_members a JOIN dedup_members b
         ON a.cluster_id = b.cluster_id AND a.image_id < b.image_id LIMIT 1`,
      )
      .get() as { a: number; b: number } | undefined;
    const same = db
      .prepare(
        'SELECT a.id AS a, b.id AS b FROM images a JOIN images b ON a.phash = b.phash AND a.id < b.id LIMIT 1',
      )
      .get() as { a: number; b: number } | undefined;
    const probe = pair ?? same;
    expect(probe, 'the sample data has near-duplicates').toBeDefined();
    const list = await p.engine.invoke('detail.neighbours', { imageId: probe!.a });
    expect(list.map((n) => n.imageId)).toContain(probe!.b);
    expect(list.map((n) => n.imageId)).not.toContain(probe!.a);
    const plain = list.filter((n) => n.clusters.length === 0).map((n) => n.distance ?? 99);
    expect(plain).toEqual([...plain].sort((x, y) => x - y));
  });
});

describe('detail.dashboard', () => {
  it('counts every stage from the project rows', async () => {
    const stats = await p.engine.invoke('project.stats', {});
    const d = await p.engine.invoke('detail.dashboard', {});
    expect(d.images).toBe(stats.images);
    expect(d.errors).toBe(stats.errors);
    expect(d.skipped).toBe(stats.skipped);
    expect(d.filesSeen).toBe(d.filesImported + d.errors + d.skipped);
    expect(d.deidRun).toBe(true);
    expect(d.deidentified).toBe(stats.images);
    const funnel = await p.engine.invoke('curate.funnel', {});
    expect(d.kept).toBe(funnel.kept);
    expect(d.sftSamples).toBeNull();
    expect(d.bundles).toBe(0);
  });
});

describe('the project curation recipe', () => {
  it('changes one threshold in place, keeps the comments, and curate.run uses it', async () => {
    const before = await p.engine.invoke('curate.recipe', {});
    expect(before.source).toBe('default');
    const after = await p.engine.invoke('curate.saveRecipe', {
      threshold: { operator: 'image.min_size', value: 100_000 },
    });
    expect(after.source).toBe('project');
    expect(after.yaml).toMatch(/image\.min_size:\n(\s+#.*\n)+\s+min: 100000/);
    const job = await runJob(p.engine, p.engine.invoke('curate.run', {}));
    const summary = await p.engine.invoke('curate.summary', { jobId: job.id });
    expect(summary.operators.find((o) => o.operator === 'image.min_size')?.threshold).toBe(100_000);
    expect(summary.kept).toBe(0);
    expect((await p.engine.invoke('detail.dashboard', {})).kept).toBe(0);

    await expect(p.engine.invoke('curate.saveRecipe', { yaml: 'filters: [' })).rejects.toMatchObject({
      code: 'bad-request',
    });
    await expect(
      p.engine.invoke('curate.saveRecipe', { threshold: { operator: 'image.modality', value: 3 } }),
    ).rejects.toMatchObject({ code: 'bad-request' });
    expect((await p.engine.invoke('curate.recipe', {})).yaml).toBe(after.yaml);
    expect(await p.engine.invoke('curate.saveRecipe', { yaml: '' })).toEqual(before);
  });
});
