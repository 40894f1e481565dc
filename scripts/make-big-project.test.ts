import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../electron/engine/index.ts';
import { openDatabase } from '../electron/engine/project/database.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-big-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('make-big-project', () => {
  const dir = path.join(work, 'p');

  it('writes an N-image project from the command line that the app opens and serves thumbnails for', async () => {
    const out = execFileSync(
      process.execPath,
      [path.join(import.meta.dirname, 'make-big-project.ts'), '400', dir],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(/^400 images, \d+ patients, \d+ studies in /);

    const db = openDatabase(path.join(dir, 'project.db'), { readonly: true });
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(one('SELECT count(*) AS n FROM images')).toBe(400);
    expect(one('SELECT count(DISTINCT pixel_hash) AS n FROM images')).toBe(400);
    expect(one('SELECT count(DISTINCT thumbnail) AS n FROM images')).toBe(8);
    expect(one('SELECT count(DISTINCT name) AS n FROM labels')).toBe(14);
    expect(one('SELECT count(*) AS n FROM tags')).toBeGreaterThan(0);
    expect(one('SELECT count(*) AS n FROM curate_kept')).toBeGreaterThan(300);
    db.close();

    const engine = new Engine();
    try {
      await engine.invoke('project.open', { dir });
      const { items } = await engine.invoke('browse.query', { offset: 0, limit: 3 });
      const file = engine.resolveMedia(items[0]!.thumbnail!);
      expect(file).not.toBeNull();
      const meta = await sharp(file!).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 256, 256]);
      const f = await engine.invoke('browse.facets', {});
      expect(
        f.facets.find((x) => x.key === 'deid')!.values.find((v) => v.value === 'done')!.count,
      ).toBeGreaterThan(300);
    } finally {
      await engine.close();
    }
  });

  it('refuses a bad count with its usage', () => {
    expect(() =>
      execFileSync(process.execPath, [path.join(import.meta.dirname, 'make-big-project.ts'), 'many', dir], {
        stdio: 'pipe',
      }),
    ).toThrow(/usage: node scripts\/make-big-project.ts N DIR/);
  });
});
