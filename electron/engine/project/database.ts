import Database from 'better-sqlite3';
import { ApiError } from '../errors.ts';
import { MIGRATIONS, LATEST_SCHEMA, type Migration } from './migrations.ts';

export type Db = Database.Database;

/** Opens project.db with the pragmas every connection needs. */
export function openDatabase(file: string, opts: { readonly?: boolean } = {}): Db {
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the schema up to `target` one numbered migration at a time, each in its own transaction.
 * A schema newer than this app knows is refused rather than guessed at.
 */
export function migrate(
  db: Db,
  target: number = LATEST_SCHEMA,
  migrations: readonly Migration[] = MIGRATIONS,
): void {
  const current = schemaVersion(db);
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  if (current > known) {
    throw new ApiError(
      'conflict',
      `This project was written by a newer MedPrep (schema ${current}; this version knows up to ${known}). Update MedPrep to open it.`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
