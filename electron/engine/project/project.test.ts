import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { migrate, openDatabase, schemaVersion } from './database.ts';
import { LATEST_SCHEMA, MIGRATIONS } from './migrations.ts';
import { writePrivateAtomic } from './private-files.ts';
import { Project } from './project.ts';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-project-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('a project folder', () => {
  it('holds project.db at the latest schema, a cache folder and a private 256-bit key', () => {
    const dir = path.join(tmp(), 'study-a');
    const p = Project.create(dir, 'Study A', '0.1.0');
    expect(p.info()).toMatchObject({ dir, name: 'Study A', schemaVersion: LATEST_SCHEMA });
    expect(fs.existsSync(path.join(dir, 'cache'))).toBe(true);
    expect(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(p.secret()).toHaveLength(32);
    expect(p.db.pragma('journal_mode', { simple: true })).toBe('wal');
    p.close();
  });

  it('keeps its key across re-opening, and tightens a loosened key file', () => {
    const dir = path.join(tmp(), 'p');
    const a = Project.create(dir, undefined, '0.1.0');
    const key = a.secret().toString('hex');
    a.close();
    fs.chmodSync(path.join(dir, 'secret.key'), 0o644);
    const b = Project.open(dir);
    expect(b.secret().toString('hex')).toBe(key);
    expect(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    b.close();
  });

  it('is readable by its owner only, whatever the umask, and its cache writes stay that way', async () => {
    const old = process.umask(0o022);
    try {
      const dir = path.join(tmp(), 'p');
      const p = Project.create(dir, undefined, '0.1.0');
      const mode = (f: string) => fs.statSync(path.join(dir, f)).mode & 0o777;
      expect([mode('.'), mode('project.db'), mode('secret.key'), mode('cache')]).toEqual([
        0o700, 0o600, 0o600, 0o700,
      ]);
      p.db.exec('CREATE TABLE t (x INTEGER) STRICT; INSERT INTO t VALUES (1)'); // the WAL exists now
      expect(mode('project.db-wal')).toBe(0o600);
      await writePrivateAtomic(path.join(p.cacheDir, 'thumbs', 'ab', 'x.png'), 'png');
      expect([mode('cache/thumbs'), mode('cache/thumbs/ab'), mode('cache/thumbs/ab/x.png')]).toEqual([
        0o700, 0o700, 0o600,
      ]);
      expect(p.info().notices).toBeUndefined();
      p.close();
    } finally {
      process.umask(old);
    }
  });

  it('tightens a project a copy or an older version left open to other users, and says so', () => {
    const dir = path.join(tmp(), 'p');
    Project.create(dir, undefined, '0.1.0').close();
    const thumb = path.join(dir, 'cache', 'thumbs', 'ab', 'x.png');
    fs.mkdirSync(path.dirname(thumb), { recursive: true, mode: 0o755 });
    fs.writeFileSync(thumb, 'png', { mode: 0o644 });
    for (const [f, m] of [
      ['.', 0o755],
      ['project.db', 0o644],
      ['cache', 0o755],
      ['cache/thumbs', 0o755],
      ['cache/thumbs/ab', 0o755],
      ['cache/thumbs/ab/x.png', 0o644],
    ] as const)
      fs.chmodSync(path.join(dir, f), m);
    const p = Project.open(dir);
    const mode = (f: string) => fs.statSync(path.join(dir, f)).mode & 0o777;
    expect(
      ['.', 'project.db', 'cache', 'cache/thumbs', 'cache/thumbs/ab', 'cache/thumbs/ab/x.png'].map(mode),
    ).toEqual([0o700, 0o600, 0o700, 0o700, 0o700, 0o600]);
    // 8: the six above and the WAL and shared-memory files SQLite made with the loosened database's mode.
    expect(p.permissionRepairs).toBe(8);
    expect(p.info().notices).toEqual([
      expect.stringContaining('8 project entries were readable by other users'),
    ]);
    expect(p.info().notices!.join()).not.toContain(dir);
    p.close();
    const again = Project.open(dir);
    expect(again.info().notices).toBeUndefined();
    again.close();
  });

  it('refuses to create a project over a non-empty folder or an existing project', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    expect(() => Project.create(dir, undefined, '0.1.0')).toThrow(/not empty/);
    const p = Project.create(path.join(dir, 'p'), undefined, '0.1.0');
    p.close();
    expect(() => Project.create(path.join(dir, 'p'), undefined, '0.1.0')).toThrow(/already exists/);
  });

  it('says clearly when a folder is not a project', () => {
    expect(() => Project.open(tmp())).toThrow(/No MedPrep project/);
  });

  it('refuses a project written by a newer MedPrep and leaves it untouched', () => {
    const dir = path.join(tmp(), 'p');
    Project.create(dir, undefined, '0.1.0').close();
    const raw = new Database(path.join(dir, 'project.db'));
    raw.pragma(`user_version = ${LATEST_SCHEMA + 5}`);
    raw.close();
    let err: unknown;
    try {
      Project.open(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toMatch(/newer MedPrep.*Update MedPrep/);
    const check = new Database(path.join(dir, 'project.db'));
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA + 5);
    check.close();
  });

  it('refuses to open without its key rather than minting a new one', () => {
    const dir = path.join(tmp(), 'p');
    Project.create(dir, undefined, '0.1.0').close();
    fs.rmSync(path.join(dir, 'secret.key'));
    expect(() => Project.open(dir)).toThrow(/key secret.key is missing/);
  });
});

describe('migrations', () => {
  it('are numbered 1, 2, 3… without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  // Each migration is applied to a database at the previous schema holding data, and must keep that data.
  for (const m of MIGRATIONS) {
    it(`${m.version} (${m.name}) upgrades a database at schema ${m.version - 1} and keeps its rows`, () => {
      const db = openDatabase(path.join(tmp(), 'project.db'));
      migrate(db, m.version - 1);
      expect(schemaVersion(db)).toBe(m.version - 1);
      const before = m.version > 1 ? tableCounts(db) : {};
      migrate(db, m.version);
      expect(schemaVersion(db)).toBe(m.version);
      const after = tableCounts(db);
      for (const [table, n] of Object.entries(before)) expect(after[table], table).toBe(n);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      db.close();
    });
  }

  it('make every table STRICT', () => {
    const db = openDatabase(path.join(tmp(), 'project.db'));
    migrate(db);
    const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
      sql: string;
    }[];
    expect(tables.length).toBeGreaterThan(10);
    for (const t of tables) expect(t.sql, t.name).toMatch(/\)\s*STRICT$/);
    db.close();
  });
});

function tableCounts(db: Database.Database): Record<string, number> {
  const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
  return Object.fromEntries(
    names.map(({ name }) => [
      name,
      (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n,
    ]),
  );
}
