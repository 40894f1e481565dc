import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_MODELS_DIR } from '../../native-models/test-helpers.ts';
import { medprep, tempDir } from '../support/dicom-tree.ts';

const work = tempDir('medprep-models-cli-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const testModels = { MEDPREP_MODELS_DIR: TEST_MODELS_DIR };

describe('medprep models', () => {
  it('lists every known model with its status and the folders searched', () => {
    const r = medprep(['models', 'list', '--json'], testModels);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      dirs: { path: string }[];
      models: { manifest: { id: string }; status: string; dir: string | null }[];
    };
    expect(doc.dirs.map((d) => d.path)).toEqual([path.resolve(TEST_MODELS_DIR)]);
    const byId = new Map(doc.models.map((m) => [m.manifest.id, m]));
    expect(byId.get('test-ner')).toMatchObject({ status: 'found' });
    // A shipped candidate nobody installed says where it would go.
    expect(byId.get('stanford-deidentifier-base')).toMatchObject({ status: 'missing', dir: null });
    const text = medprep(['models', 'list'], testModels);
    expect(text.stdout).toMatch(/test-ner\s+token-classification\s+found\s+4\/4/);
    expect(text.stdout).toContain(
      `put it in ${path.join(path.resolve(TEST_MODELS_DIR), 'stanford-deidentifier-base')}`,
    );
  });

  it('checks the test models (hashes and a load on the CPU) and exits 0 though real models are missing', () => {
    const r = medprep(
      ['models', 'check', 'test-ner', 'test-text-embed', '--device', 'cpu', '--json'],
      testModels,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      checks: { id: string; status: string; load: { device: string } }[];
    };
    expect(doc.checks.map((c) => [c.id, c.status, c.load.device])).toEqual([
      ['test-ner', 'verified', 'cpu'],
      ['test-text-embed', 'verified', 'cpu'],
    ]);
    const all = medprep(['models', 'check'], testModels);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/stanford-deidentifier-base\s+missing/);
  });

  it('fails a check in one line naming the corrupted file, exit 1', () => {
    const dir = path.join(work, 'corrupt');
    fs.cpSync(path.join(TEST_MODELS_DIR, 'test-ner'), path.join(dir, 'test-ner'), { recursive: true });
    fs.appendFileSync(path.join(dir, 'test-ner', 'onnx', 'model.onnx'), Buffer.from([0]));
    const r = medprep(['models', 'check', 'test-ner'], { MEDPREP_MODELS_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/test-ner\s+corrupt/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('onnx/model.onnx');
    expect(r.stderr).toMatch(/corrupt or a different version/);
  });

  it('benchmarks a model on the devices asked for', () => {
    const r = medprep(['models', 'bench', 'test-ner', '--device', 'cpu', '--json'], testModels);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { rows: { model: string; device: string; itemsPerSec: number }[] };
    expect(report.rows.length).toBeGreaterThan(0);
    for (const row of report.rows) {
      expect(row).toMatchObject({ model: 'test-ner', device: 'cpu' });
      expect(row.itemsPerSec).toBeGreaterThan(0);
    }
  });

  it.each([
    [['models'], 'no action'],
    [['models', 'frobnicate'], 'an unknown action'],
    [['models', 'check', '--device', 'tpu'], 'an unknown device'],
    [['models', 'bench', '--device', 'cpu,tpu'], 'an unknown device in the list'],
  ])('answers %j (%s) with usage and exit 2', (args) => {
    const r = medprep(args as string[], testModels);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage:');
  });

  it('names an unknown model in one line, exit 1', () => {
    const r = medprep(['models', 'check', 'no-such-model'], testModels);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown model "no-such-model"/);
  });
});
