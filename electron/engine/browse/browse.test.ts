import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBigProject } from '../../../scripts/make-big-project.ts';
import { runJob, sampleProject, type SampleProject } from '../../../test/support/sample-project.ts';
import type { BrowseFilters } from '../../api/browse.ts';
import { Engine } from '../index.ts';
import { openDatabase, type Db } from '../project/database.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-browse-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const n = (db: Db, sql: string, ...args: unknown[]) => (db.prepare(sql).get(...args) as { n: number }).n;

describe('browse over a generated 3,000-image project', () => {
  let engine: Engine;
  let db: Db;
  const dir = path.join(work, 'big');

  beforeAll(async () => {
    await makeBigProject(3000, dir);
    engine = new Engine();
    await engine.invoke('project.open', { dir });
    db = openDatabase(path.join(dir, 'project.db'), { readonly: true });
  });
  afterAll(async () => {
    db.close();
    await engine.close();
  });

  const facet = async (key: string, filters: BrowseFilters = {}) =>
    Object.fromEntries(
      (await engine.invoke('browse.facets', { filters })).facets
        .find((f) => f.key === key)!
        .values.map((v) => [v.value, v.count]),
    );

  it('counts each facet value as the store does', async () => {
    const f = await engine.invoke('browse.facets', {});
    expect(f.total).toBe(3000);
    expect(f.all).toBe(3000);
    const views = await facet('view');
    expect(views.PA).toBe(n(db, `SELECT count(*) AS n FROM images WHERE view_position = 'PA'`));
    expect(views.unknown).toBe(n(db, `SELECT count(*) AS n FROM images WHERE view_position IS NULL`));
    const sexes = await facet('sex');
    expect(sexes.F).toBe(
      n(
        db,
        `SELECT count(*) AS n FROM images i JOIN series se ON se.id = i.series_id
         JOIN studies st ON st.id = se.study_id JOIN patients p ON p.id = st.patient_id WHERE p.sex = 'F'`,
      ),
    );
    const status = await facet('status');
    expect(status.quarantined).toBe(n(db, 'SELECT count(*) AS n FROM quarantine'));
    expect(status.kept).toBe(n(db, 'SELECT count(*) AS n FROM curate_kept'));
    const edema = f.labels.find((l) => l.name === 'Edema')!;
    expect(edema.counts.positive).toBe(
      n(
        db,
        `SELECT count(*) AS n FROM images i JOIN series se ON se.id = i.series_id
         JOIN labels l ON l.study_id = se.study_id WHERE l.name = 'Edema' AND l.value = 1`,
      ),
    );
    expect(Object.values(edema.counts).reduce((a, b) => a + b, 0)).toBe(3000);
    expect(f.ageHistogram.reduce((a, b) => a + b.count, 0)).toBe(3000);
  });

  it("filters with faceted-search counts: a facet's own filter leaves its counts alone", async () => {
    const all = await facet('view');
    const filtered = { view: ['PA', 'AP'] };
    expect(await facet('view', filtered)).toEqual(all);
    const f = await engine.invoke('browse.facets', { filters: filtered });
    expect(f.total).toBe(all.PA! + all.AP!);
    const sex = f.facets.find((x) => x.key === 'sex')!;
    expect(sex.values.reduce((a, v) => a + v.count, 0)).toBe(f.total);
    // Two filters: each facet is counted with the other one applied.
    const both = { view: ['PA'], sex: ['F'] };
    const views = await facet('view', both);
    const females = await facet('sex', { view: ['PA'] });
    expect(views.PA).toBe(females.F);
    const q = await engine.invoke('browse.query', { filters: both, offset: 0, limit: 1000 });
    expect(q.total).toBe(females.F);
    expect(q.items.every((i) => i.view === 'PA' && i.sex === 'F')).toBe(true);
  });

  it('filters by finding state and sorts by age and study date', async () => {
    const q = await engine.invoke('browse.query', {
      filters: { labels: { Edema: ['positive', 'uncertain'] }, age: ['60–79', '80+'] },
      sort: { key: 'age', desc: true },
      offset: 0,
      limit: 1000,
    });
    expect(q.total).toBeGreaterThan(20);
    for (const item of q.items) {
      expect([...item.labels.positive, ...item.labels.uncertain]).toContain('Edema');
      expect(item.age).toBeGreaterThanOrEqual(60);
    }
    const ages = q.items.map((i) => i.age!);
    expect(ages).toEqual([...ages].sort((a, b) => b - a));
    const byDate = await engine.invoke('browse.query', { sort: { key: 'studyDate' }, offset: 0, limit: 500 });
    const dates = byDate.items.map((i) => i.studyDate!);
    expect(dates).toEqual([...dates].sort());
    const page = await engine.invoke('browse.query', { offset: 2990, limit: 50 });
    expect(page.total).toBe(3000);
    expect(page.items).toHaveLength(10);
    expect(page.items[0]!.thumbnail).toMatch(/^media\/thumbs\/[0-9a-f]{64}\.png$/);
  });

  it('tags and untags a selection, and filters by tag', async () => {
    const { ids } = await engine.invoke('browse.ids', { filters: { view: ['LL'] } });
    expect(ids.length).toBeGreaterThan(100);
    const first = await engine.invoke('browse.tag', { ids, add: ['needs review', 'needs review '] });
    expect(first.changed).toBe(ids.length);
    expect((await engine.invoke('browse.tag', { ids, add: ['needs review'] })).changed).toBe(0);
    expect(n(db, `SELECT count(*) AS n FROM tags WHERE tag = 'needs review'`)).toBe(ids.length);
    expect((await facet('tags'))['needs review']).toBe(ids.length);
    const tagged = await engine.invoke('browse.ids', { filters: { tags: ['needs review'] } });
    expect(tagged.ids).toEqual(ids);
    await engine.invoke('browse.tag', { ids: ids.slice(0, 10), remove: ['needs review'] });
    expect((await facet('tags'))['needs review']).toBe(ids.length - 10);
    const item = (await engine.invoke('browse.query', { filters: { view: ['LL'] }, offset: 0, limit: 1 }))
      .items[0]!;
    expect(item.tags).not.toContain('needs review');
    await expect(engine.invoke('browse.tag', { ids: [1], add: ['\u0007'] })).rejects.toThrow(/printable/);
    await expect(engine.invoke('browse.tag', { ids: [999_999], add: ['x'] })).rejects.toThrow(/No image/);
  });

  it('excludes and includes again, with the reason kept and the status facet following', async () => {
    const { ids } = await engine.invoke('browse.ids', { filters: { sex: ['unknown'] } });
    const r = await engine.invoke('browse.exclude', { ids, excluded: true, reason: 'no sex recorded' });
    expect(r.changed).toBe(ids.length);
    expect((await facet('status')).excluded).toBe(ids.length);
    const q = await engine.invoke('browse.query', { filters: { status: ['excluded'] }, offset: 0, limit: 5 });
    expect(q.items[0]).toMatchObject({ excluded: true, excludedReason: 'no sex recorded', sex: null });
    expect(n(db, 'SELECT count(*) AS n FROM exclusions')).toBe(ids.length);
    await engine.invoke('browse.exclude', { ids, excluded: false });
    expect((await facet('status')).excluded).toBe(0);
    expect(n(db, 'SELECT count(*) AS n FROM exclusions')).toBe(0);
  });

  it('treats a finding no image has as not mentioned everywhere', async () => {
    const none = await engine.invoke('browse.facets', { filters: { labels: { Hernia: ['positive'] } } });
    expect(none.total).toBe(0);
    const absent = await engine.invoke('browse.query', {
      filters: { labels: { Hernia: ['absent'] } },
      offset: 0,
      limit: 1,
    });
    expect(absent.total).toBe(3000);
  });

  it('refuses malformed filters with a clear error', async () => {
    await expect(engine.invoke('browse.facets', { filters: { colour: ['red'] } as never })).rejects.toThrow(
      /filters: unknown key "colour"/,
    );
    await expect(
      engine.invoke('browse.query', {
        filters: { labels: { Edema: ['maybe'] } } as never,
        offset: 0,
        limit: 1,
      }),
    ).rejects.toThrow(/filters\.labels\.Edema\.0: must be one of positive, negative/);
    await expect(
      engine.invoke('browse.query', { sort: { key: 'colour' } as never, offset: 0, limit: 1 }),
    ).rejects.toThrow(/sort.key/);
  });

  it('sees writes made by other stages (the index is rebuilt when the store changed)', async () => {
    const before = (await facet('view')).PA!;
    const other = openDatabase(path.join(dir, 'project.db'));
    other.prepare(`UPDATE images SET view_position = 'PA' WHERE view_position = 'AP'`).run();
    other.close();
    const after = await facet('view');
    expect(after.PA).toBeGreaterThan(before);
    expect(after.AP ?? 0).toBe(0);
  });

  it('while a job writes, serves the index it has for a moment instead of rebuilding on every refresh', async () => {
    const other = openDatabase(path.join(dir, 'project.db'));
    other.prepare('UPDATE images SET frame = frame WHERE id = 1').run(); // a change: the next call rebuilds
    const before = (await facet('view')).LL!;
    other
      .prepare(
        `INSERT INTO jobs (id, kind, state, params, started_at) VALUES ('streaming', 'import', 'running', '{}', ?)`,
      )
      .run(new Date().toISOString());
    other.prepare(`UPDATE images SET view_position = 'PA' WHERE view_position = 'LL'`).run();
    expect((await facet('view')).LL).toBe(before);
    other.prepare(`UPDATE jobs SET state = 'done' WHERE id = 'streaming'`).run();
    other.close();
    expect((await facet('view')).LL ?? 0).toBe(0);
  });
});

describe('exclusion on the sample project flows through curation and SFT', () => {
  let p: SampleProject;
  beforeAll(async () => {
    p = await sampleProject({ sft: false });
  }, 120_000);
  afterAll(() => p.dispose());

  const curate = async () => runJob(p.engine, p.engine.invoke('curate.run', {}));
  const sftImages = async () => {
    await runJob(p.engine, p.engine.invoke('sft.run', {}));
    const db = openDatabase(path.join(p.dir, 'project.db'), { readonly: true });
    const run = db.prepare('SELECT id FROM sft_runs ORDER BY created_at DESC, rowid DESC LIMIT 1').get() as {
      id: string;
    };
    const ids = new Set(
      (
        db.prepare('SELECT image_ids FROM sft_samples WHERE run_id = ?').all(run.id) as {
          image_ids: string;
        }[]
      ).flatMap((r) => JSON.parse(r.image_ids) as number[]),
    );
    db.close();
    return ids;
  };

  it('keeps an excluded image out of SFT before any curation run', async () => {
    const target = [...(await sftImages())][1]!;
    await p.engine.invoke('browse.exclude', { ids: [target], excluded: true, reason: 'wrong patient' });
    expect(await sftImages()).not.toContain(target);
    await p.engine.invoke('browse.exclude', { ids: [target], excluded: false });
    expect(await sftImages()).toContain(target);
  }, 120_000);

  it('removes an excluded image with the reason in its trace, keeps it out of SFT, and brings it back', async () => {
    await curate();
    const inSft = await sftImages();
    const target = [...inSft][0]!;
    expect((await p.engine.invoke('curate.trace', { imageId: target })).kept).toBe(true);

    const plan = await p.engine.invoke('export.plan', { format: 'llava' });
    await p.engine.invoke('browse.exclude', { ids: [target], excluded: true, reason: 'motion blur' });
    // Before SFT or curation run again the exclusion already applies: the bundle would leave the image out.
    const without = await p.engine.invoke('export.plan', { format: 'llava' });
    expect(without.images).toBe(plan.images - 1);
    expect(without.samples).toBeLessThan(plan.samples);
    const early = await p.engine.invoke('curate.trace', { imageId: target });
    expect(early.kept).toBe(false);
    expect(early.decisions[0]).toMatchObject({ operator: 'user.exclude', decision: 'remove' });
    expect(await sftImages()).not.toContain(target);

    await curate();
    const t = await p.engine.invoke('curate.trace', { imageId: target });
    expect(t.kept).toBe(false);
    expect(t.decisions).toContainEqual({
      operator: 'user.exclude',
      statistic: null,
      threshold: 'excluded by user: motion blur',
      decision: 'remove',
    });
    const funnel = await p.engine.invoke('curate.funnel', {});
    expect(funnel.stages[0]).toMatchObject({ stage: 'user.exclude', removed: 1 });
    expect(await sftImages()).not.toContain(target);

    await p.engine.invoke('browse.exclude', { ids: [target], excluded: false });
    await curate();
    const back = await p.engine.invoke('curate.trace', { imageId: target });
    expect(back.kept).toBe(true);
    expect(back.decisions.map((d) => d.operator)).not.toContain('user.exclude');
    expect(await sftImages()).toContain(target);
  }, 120_000);
});
