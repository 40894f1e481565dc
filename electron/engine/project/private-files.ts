import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';

/**
 * A project holds original identifiers, the linkage and un-de-identified renderings: on a shared server no
 * other local user may read any of it, whatever the umask. Folders are 0700 and files 0600; every write into
 * the project says so explicitly (an explicit mode can only be narrowed by the umask, never widened).
 */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/** Creates a folder (and its parents inside `root`) owner-only. */
export async function mkdirPrivate(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
}

/** Writes a file owner-only through a temporary name and a rename, so a reader (or a crash) never sees half of it. */
export async function writePrivateAtomic(dest: string, bytes: Uint8Array | string): Promise<void> {
  await mkdirPrivate(path.dirname(dest));
  const tmp = `${dest}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await fsp.writeFile(tmp, bytes, { mode: PRIVATE_FILE });
    await fsp.rename(tmp, dest);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Checks the project folder, its files and the cache, and tightens whatever a copy, an older version or a
 * loose umask left readable by others. The cache is walked only when something at its top is loose: with the
 * project folder at 0700 nobody else can reach inside, so a full walk on every open would buy nothing.
 * Returns how many entries were tightened (no paths: a folder may be named after a patient).
 */
export function securePermissions(projectDir: string, topFiles: readonly string[], cacheDir: string): number {
  let repaired = 0;
  const tighten = (p: string, mode: number): boolean => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return false; // not there (a WAL file between checkpoints): nothing to protect
    }
    if (st.isSymbolicLink() || (st.mode & 0o077) === 0) return false;
    fs.chmodSync(p, mode);
    repaired++;
    return true;
  };
  tighten(projectDir, PRIVATE_DIR);
  for (const f of topFiles) tighten(path.join(projectDir, f), PRIVATE_FILE);
  if (tighten(cacheDir, PRIVATE_DIR)) repaired += secureTree(cacheDir);
  return repaired;
}

function secureTree(dir: string): number {
  let repaired = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if ((fs.lstatSync(p).mode & 0o077) !== 0) {
        fs.chmodSync(p, PRIVATE_DIR);
        repaired++;
      }
      repaired += secureTree(p);
    } else if (e.isFile() && (fs.lstatSync(p).mode & 0o077) !== 0) {
      fs.chmodSync(p, PRIVATE_FILE);
      repaired++;
    }
  }
  return repaired;
}

/** What a cache file served to the renderer must hold: a PNG, or exactly the bytes whose SHA-256 was recorded. */
export type ExpectedContent = { png: true } | { sha256: string };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Whether a file (its links already resolved and confined to the cache) may be served: a regular file of this
 * user with one link, holding what the engine wrote there. A hard link or a renamed file (the project key, the
 * database) passes path confinement; the link count and the content check stop it. Opened without following
 * links and without blocking, so a planted FIFO cannot hang the engine.
 */
export function isServableCacheFile(file: string, expected: ExpectedContent): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1) return false;
    if (process.getuid && st.uid !== process.getuid()) return false;
    if ('png' in expected) {
      const head = Buffer.alloc(PNG_SIGNATURE.length);
      return fs.readSync(fd, head, 0, head.length, 0) === head.length && head.equals(PNG_SIGNATURE);
    }
    return createHash('sha256').update(fs.readFileSync(fd)).digest('hex') === expected.sha256;
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}
