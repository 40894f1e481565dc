import fs from 'node:fs';
import path from 'node:path';

/** The project's log folder and its current file; older files are `medprep.log.1` (newest) … `.N`. */
export const LOG_DIR = 'logs';
export const LOG_FILE = 'medprep.log';

const MAX_BYTES = 1024 * 1024;
const KEEP = 4;

/**
 * A per-project log of what ran (jobs started and finished, projects opened), rotated at 1 MiB with four old
 * files kept. It must never hold PHI, so callers hand it only kinds, ids, counts and states; option values
 * go through `safeOptions` and free text through `withoutPaths`.
 */
export class ProjectLog {
  readonly file: string;
  private readonly maxBytes: number;

  constructor(projectDir: string, maxBytes = MAX_BYTES) {
    const dir = path.join(projectDir, LOG_DIR);
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, LOG_FILE);
    this.maxBytes = maxBytes;
  }

  write(event: string, fields: Record<string, string | number | boolean | null> = {}): void {
    const line = JSON.stringify({ at: new Date().toISOString(), event, ...fields }) + '\n';
    try {
      if (this.size() + line.length > this.maxBytes) this.rotate();
      fs.appendFileSync(this.file, line);
    } catch {
      // A log that cannot be written (full or read-only disk) never stops the work it describes.
    }
  }

  private size(): number {
    try {
      return fs.statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  private rotate(): void {
    fs.rmSync(`${this.file}.${KEEP}`, { force: true });
    for (let i = KEEP - 1; i >= 1; i--) {
      if (fs.existsSync(`${this.file}.${i}`)) fs.renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    }
    fs.renameSync(this.file, `${this.file}.1`);
  }
}

// Option values that are names from a fixed vocabulary (formats, devices), never user text.
const VOCABULARY_KEYS = new Set(['format', 'images', 'archive', 'device', 'recipe']);

/**
 * A job's options as one log-safe line: numbers and booleans as they are, words of a fixed vocabulary
 * (format, device) as they are, any other value (a path, a recipe's text, a list of ids) only as "(given)".
 */
export function safeOptions(params: unknown): string {
  if (typeof params !== 'object' || params === null) return '';
  return Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      const plain =
        typeof v === 'number' ||
        typeof v === 'boolean' ||
        (typeof v === 'string' && VOCABULARY_KEYS.has(k) && /^[a-z0-9-]{1,24}$/u.test(v));
      return `${k}=${plain ? String(v) : '(given)'}`;
    })
    .join(' ');
}

/**
 * Free text cut at its first absolute path, which becomes "(path)": a folder may be named after a patient,
 * and a path may hold spaces, so nothing after its start is kept.
 */
export function withoutPaths(text: string): string {
  return text.replace(/(^|[\s(:'"=])(?:[A-Za-z]:[\\/]|[\\/]|~[\\/]).*$/su, '$1(path)');
}
