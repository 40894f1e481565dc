// Which errors stop a job as a disk problem, and how they read: a full or read-only project or target is the
// job's problem (stop, one line with cause and path); an unreadable source file stays that file's error.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../electron/engine/errors.ts';
import { asStorageError, storageCodeInReason } from '../../electron/engine/storage-errors.ts';

/** The message of what asStorageError made, which must be an ApiError (the fronts show those as they are). */
function message(err: unknown): string {
  expect(err).toBeInstanceOf(ApiError);
  return (err as ApiError).message;
}

describe('disk errors', () => {
  it('a thumbnail that cannot be written stops the import; a source file that cannot be read does not', () => {
    expect(storageCodeInReason('cannot write thumbnail (ENOSPC)')).toBe('ENOSPC');
    expect(storageCodeInReason('cannot write thumbnail (EROFS)')).toBe('EROFS');
    expect(storageCodeInReason('cannot read file (EACCES)')).toBeNull();
    expect(storageCodeInReason('cannot write thumbnail (ENOENT)')).toBeNull();
    expect(storageCodeInReason('truncated: element (7FE0,0010) declares 105600 bytes (EPERM)')).toBeNull();
  });

  it('reads as one line with the cause and a path, from Node and from SQLite alike', () => {
    const fsError = Object.assign(new Error("ENOSPC: no space left on device, open '/data/p/cache/x.png'"), {
      code: 'ENOSPC',
      path: '/data/p/cache/x.png',
    });
    expect(message(asStorageError(fsError, '/data/p'))).toBe('no space left on device: /data/p/cache/x.png');
    expect(message(asStorageError(fsError, '/out', true))).toBe('no space left on device: /out');
    const sqlite = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    expect(message(asStorageError(sqlite, '/data/p'))).toBe('no space left on device: /data/p');
    const other = Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(asStorageError(other, '/data/p')).toBe(other);
  });
});
