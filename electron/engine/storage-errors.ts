import fs from 'node:fs';
import { ApiError } from './errors.ts';

/**
 * Errors of the disk a project or bundle is written to (full, read-only, not permitted), from Node's fs and
 * from SQLite, turned into one plain line that names the cause and the path. They stop a job: recording the
 * file being read as broken would make a re-run skip it once space is freed.
 */
const FS_CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

const SQLITE_CAUSES: Record<string, string> = {
  SQLITE_FULL: 'no space left on device',
  SQLITE_READONLY: 'read-only file system or folder',
  SQLITE_READONLY_DIRECTORY: 'read-only file system or folder',
  SQLITE_CANTOPEN: 'cannot open the database file (read-only or missing folder)',
  SQLITE_IOERR_WRITE: 'write error (disk full or failing)',
};

/** The plain-words cause of a storage error, or null when `err` is something else. */
export function storageCause(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  return FS_CAUSES[code] ?? SQLITE_CAUSES[code] ?? null;
}

/**
 * The storage error code of a worker's "cannot write thumbnail (ENOSPC)": the project's disk. A source file
 * that cannot be read ("cannot read file (EACCES)") is the source's problem and stays a per-file error.
 */
export function storageCodeInReason(reason: string): string | null {
  const m = /^cannot write thumbnail \((E[A-Z]+)\)$/u.exec(reason);
  return m && FS_CAUSES[m[1]!] ? m[1]! : null;
}

export function storageErrorFromCode(code: string, path: string): ApiError {
  return new ApiError('unavailable', `${FS_CAUSES[code] ?? code}: ${path}`);
}

/**
 * `err` as a one-line ApiError naming the cause and the path when it is a storage error, else unchanged.
 * `fallbackPath` names where the job was writing when the error carries no path (SQLite, write(2)).
 */
export function asStorageError(err: unknown, fallbackPath: string, preferFallback = false): unknown {
  const cause = storageCause(err);
  if (!cause) return err;
  const p = (err as { path?: unknown }).path;
  return new ApiError(
    'unavailable',
    `${cause}: ${typeof p === 'string' && !preferFallback ? p : fallbackPath}`,
  );
}

/**
 * Why a folder cannot be written, in plain words, or null when it can: SQLite only says "unable to open
 * database file" for a read-only project, so the folder itself is asked.
 */
export function unwritableCause(dir: string): string | null {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return null;
  } catch (err) {
    return storageCause(err);
  }
}
