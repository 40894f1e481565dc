import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ProjectInfo } from '../../api/contract.ts';
import { ApiError } from '../errors.ts';
import { storageCause, unwritableCause } from '../storage-errors.ts';
import { openDatabase, migrate, schemaVersion, type Db } from './database.ts';
import { PRIVATE_DIR, PRIVATE_FILE, securePermissions } from './private-files.ts';

export const DB_FILE = 'project.db';
export const SECRET_FILE = 'secret.key';
export const CACHE_DIR = 'cache';

/**
 * A project is a folder: project.db (the one SQLite store), cache/ (thumbnails and derived files, can be
 * rebuilt) and secret.key (a random 256-bit key, mode 0600, never exported; it keys pseudonyms and date
 * shifts so they are consistent across runs but cannot be recomputed without it).
 */
export class Project {
  readonly dir: string;
  readonly db: Db;
  readonly cacheDir: string;
  /** Entries whose permissions were found open to other users and tightened when the project was opened. */
  readonly permissionRepairs: number;

  private constructor(dir: string, db: Db, permissionRepairs = 0) {
    this.dir = dir;
    this.db = db;
    this.cacheDir = path.join(dir, CACHE_DIR);
    this.permissionRepairs = permissionRepairs;
  }

  static create(dir: string, name: string | undefined, appVersion: string): Project {
    const abs = path.resolve(dir);
    if (fs.existsSync(path.join(abs, DB_FILE)))
      throw new ApiError('conflict', `A project already exists in ${abs}.`);
    if (fs.existsSync(abs) && !fs.statSync(abs).isDirectory()) {
      throw new ApiError('bad-request', `${abs} exists and is not a folder.`);
    }
    if (fs.existsSync(abs) && fs.readdirSync(abs).length > 0) {
      throw new ApiError('conflict', `${abs} is not empty; choose an empty or new folder for a project.`);
    }
    // Owner-only from the first byte, whatever the umask: the folder will hold original identifiers.
    fs.mkdirSync(path.join(abs, CACHE_DIR), { recursive: true, mode: PRIVATE_DIR });
    fs.chmodSync(abs, PRIVATE_DIR);
    writeSecret(path.join(abs, SECRET_FILE));
    const db = openDatabase(path.join(abs, DB_FILE));
    try {
      fs.chmodSync(path.join(abs, DB_FILE), PRIVATE_FILE);
      migrate(db);
      secure(abs);
      db.prepare('INSERT INTO project (id, name, created_at, app_version) VALUES (1, ?, ?, ?)').run(
        name ?? path.basename(abs),
        new Date().toISOString(),
        appVersion,
      );
    } catch (err) {
      db.close();
      throw err;
    }
    return new Project(abs, db);
  }

  static open(dir: string): Project {
    const abs = path.resolve(dir);
    const dbFile = path.join(abs, DB_FILE);
    if (!fs.existsSync(dbFile))
      throw new ApiError('not-found', `No MedPrep project in ${abs} (no ${DB_FILE}).`);
    let db: Db | null = null;
    let repaired: number;
    try {
      db = openDatabase(dbFile);
      migrate(db);
      checkSecret(path.join(abs, SECRET_FILE));
      fs.mkdirSync(path.join(abs, CACHE_DIR), { recursive: true, mode: PRIVATE_DIR });
      repaired = secure(abs);
    } catch (err) {
      db?.close();
      // A project on a read-only or full disk: say so and where, instead of SQLite's "unable to open".
      const cause = err instanceof ApiError ? null : (unwritableCause(abs) ?? storageCause(err));
      if (cause) throw new ApiError('unavailable', `cannot open the project: ${cause}: ${abs}`);
      throw err;
    }
    return new Project(abs, db, repaired);
  }

  info(): ProjectInfo {
    const row = this.db.prepare('SELECT name, created_at FROM project WHERE id = 1').get() as
      { name: string; created_at: string } | undefined;
    return {
      dir: this.dir,
      name: row?.name ?? path.basename(this.dir),
      schemaVersion: schemaVersion(this.db),
      createdAt: row?.created_at ?? '',
      ...(this.permissionRepairs > 0 && {
        notices: [
          `${this.permissionRepairs} project ${this.permissionRepairs === 1 ? 'entry was' : 'entries were'} readable by other users; tightened to owner-only (folders 0700, files 0600).`,
        ],
      }),
    };
  }

  /** The project key; read on demand so it sits in memory only while a stage needs it. */
  secret(): Buffer {
    return Buffer.from(fs.readFileSync(path.join(this.dir, SECRET_FILE), 'utf8').trim(), 'hex');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function writeSecret(file: string): void {
  // 'wx' never overwrites an existing key: losing it would break pseudonym consistency for good.
  fs.writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: PRIVATE_FILE, flag: 'wx' });
  fs.chmodSync(file, PRIVATE_FILE);
}

/** The project's own files: the store (with its WAL and shared memory), the key, and the cache. */
function secure(dir: string): number {
  const files = [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, SECRET_FILE];
  return securePermissions(dir, files, path.join(dir, CACHE_DIR));
}

function checkSecret(file: string): void {
  if (!fs.existsSync(file)) {
    throw new ApiError('conflict', `The project key ${SECRET_FILE} is missing; restore it from a backup.`);
  }
  const hex = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new ApiError('conflict', `The project key ${SECRET_FILE} is damaged.`);
}
