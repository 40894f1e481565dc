import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelsConfig } from './registry.ts';

/** The committed tiny models (scripts/gen-test-models.py), each with its pinned medprep.json. */
export const TEST_MODELS_DIR = fileURLToPath(new URL('./test-models/', import.meta.url));

/** Only the tiny test models: no shipped manifests, no user folders. */
export const TEST_MODELS: ModelsConfig = {
  dirs: [{ path: TEST_MODELS_DIR, scope: 'configured' }],
  manifestsDir: false,
};

/** A scratch models folder holding copies of the named test models, for tests that damage them. */
export function copyTestModels(ids: string[]): { dir: string; config: ModelsConfig; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-models-'));
  for (const id of ids) fs.cpSync(path.join(TEST_MODELS_DIR, id), path.join(dir, id), { recursive: true });
  return {
    dir,
    config: { dirs: [{ path: dir, scope: 'configured' }], manifestsDir: false },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
