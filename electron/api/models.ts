// On-device model channels: which models are installed and where to put them, check (hash and load) and
// benchmark them as jobs, and the device they run on. Types and constants only (the renderer imports this).

import type { JobInfo } from './contract.ts';

export type ModelDevice = 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';
export const MODEL_DEVICES: readonly ModelDevice[] = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];
export type ModelJobKind = 'models-check' | 'models-bench';

/**
 * found: every file is there (not hashed yet); verified: hashes match and it loaded; unpinned: it loaded but
 * some file has no hash to check against; missing: not installed (or files missing); corrupt: a hash does
 * not match; load-failed: the files are right but the model would not load.
 */
export type ModelStatus = 'found' | 'verified' | 'unpinned' | 'missing' | 'corrupt' | 'load-failed';

export interface ModelFileInfo {
  path: string;
  found: boolean;
  bytes: number | null;
  /** Where its expected SHA-256 comes from, or null when nothing pins it. */
  pinnedBy: 'manifest' | 'SHA256SUMS' | null;
}

export interface ModelInfo {
  id: string;
  task: string;
  name: string;
  status: ModelStatus;
  /** The model folder in use, or null when none of the searched folders has it. */
  dir: string | null;
  /** Folder name the files go in, and the full paths it is looked for at, first match wins. */
  folder: string;
  searched: string[];
  files: ModelFileInfo[];
  /** How to get the weights on a connected machine (the manifest's source.obtain and convert). */
  obtain: string;
  convert: string | null;
  /** SPDX id, or the manifest's note when there is none. */
  licence: string;
  /** Set once the model was loaded by a check in this session: the device that ran it and why others did not. */
  loaded: { device: string; loadMs: number; fallbacks: { device: string; reason: string }[] } | null;
  /** Problems from the last check (each names its file), or why it failed to load. */
  problems: string[];
}

export interface ModelsOverview {
  /** The device models run on: the project's setting, else the user's, else auto. */
  device: ModelDevice;
  deviceFrom: 'project' | 'user' | 'default';
  dirs: { path: string; scope: string }[];
  models: ModelInfo[];
  /** Manifests that could not be read. */
  invalid: { path: string; message: string }[];
}

export interface ModelCheckRow {
  id: string;
  status: Exclude<ModelStatus, 'found'>;
  device: string | null;
  loadMs: number | null;
  fallbacks: { device: string; reason: string }[];
  problems: string[];
}

export interface ModelBenchRow {
  model: string;
  task: string;
  requested: string;
  device: string;
  batchSize: number;
  itemsPerSec: number;
  firstResultMs: number;
}

export type ModelsResult =
  | { kind: 'models-check'; checks: ModelCheckRow[] }
  | {
      kind: 'models-bench';
      rows: ModelBenchRow[];
      models: {
        model: string;
        requested: string;
        device: string | null;
        peakRssMiB: number | null;
        error: string | null;
      }[];
    };

export interface ModelsInvoke {
  'models.list': (args: Record<string, never>) => ModelsOverview;
  'models.check': (args: { ids?: string[]; device?: ModelDevice }) => JobInfo;
  'models.bench': (args: { ids?: string[]; devices?: ModelDevice[] }) => JobInfo;
  /** The outcome of a finished models job of this session. */
  'models.result': (args: { jobId: string }) => ModelsResult;
  /** Stores the device for this project ('project', needs an open project) or for this user on this machine. */
  'models.setDevice': (args: { device: ModelDevice; scope: 'project' | 'user' }) => ModelsOverview;
}

export const MODELS_CHANNELS = [
  'models.list',
  'models.check',
  'models.bench',
  'models.result',
  'models.setDevice',
] as const satisfies readonly (keyof ModelsInvoke)[];
