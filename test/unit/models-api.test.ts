import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_MODELS_DIR } from '../../native-models/test-helpers.ts';
import { startEngine, type EngineHarness } from '../support/engine-bridge.ts';

let h: EngineHarness;
const savedModelsDir = process.env.MEDPREP_MODELS_DIR;

beforeAll(async () => {
  process.env.MEDPREP_MODELS_DIR = TEST_MODELS_DIR;
  h = startEngine();
  await h.engine.invoke('project.create', { dir: h.at('project') });
});

afterAll(async () => {
  await h.dispose();
  if (savedModelsDir === undefined) delete process.env.MEDPREP_MODELS_DIR;
  else process.env.MEDPREP_MODELS_DIR = savedModelsDir;
});

describe('the models API', () => {
  it('lists installed and missing models with where to put them, checks one as a job, and remembers the outcome', async () => {
    const before = await h.engine.invoke('models.list', {});
    expect(before.device).toBe('auto');
    expect(before.dirs.map((d) => d.scope)).toEqual(['project', 'user']);
    const ner = before.models.find((m) => m.id === 'test-ner')!;
    expect(ner).toMatchObject({
      status: 'found',
      loaded: null,
      dir: path.join(path.resolve(TEST_MODELS_DIR), 'test-ner'),
    });
    const real = before.models.find((m) => m.id === 'stanford-deidentifier-base')!;
    expect(real.status).toBe('missing');
    expect(real.searched[0]).toBe(path.join(h.at('project'), 'models', real.folder));
    expect(real.obtain.length).toBeGreaterThan(0);

    const job = await h.engine.invoke('models.check', { ids: ['test-ner'], device: 'cpu' });
    expect(job.kind).toBe('models-check');
    expect((await h.engine.waitForJob(job.id)).state).toBe('done');
    const result = await h.engine.invoke('models.result', { jobId: job.id });
    expect(result).toMatchObject({
      kind: 'models-check',
      checks: [{ id: 'test-ner', status: 'verified', device: 'cpu' }],
    });
    const after = (await h.engine.invoke('models.list', {})).models.find((m) => m.id === 'test-ner')!;
    expect(after).toMatchObject({ status: 'verified', loaded: { device: 'cpu' } });
  });

  it('keeps the device per project', async () => {
    const o = await h.engine.invoke('models.setDevice', { device: 'cpu', scope: 'project' });
    expect([o.device, o.deviceFrom]).toEqual(['cpu', 'project']);
    expect((await h.engine.invoke('models.list', {})).device).toBe('cpu');
    await expect(
      h.engine.invoke('models.setDevice', { device: 'tpu' as 'cpu', scope: 'project' }),
    ).rejects.toThrow(/must be one of/);
  });

  it('reports a corrupted model file by name', async () => {
    const dir = path.join(h.at('project'), 'models', 'test-text-embed');
    fs.cpSync(path.join(TEST_MODELS_DIR, 'test-text-embed'), dir, { recursive: true });
    fs.appendFileSync(path.join(dir, 'onnx', 'model.onnx'), 'x');
    const job = await h.engine.invoke('models.check', { ids: ['test-text-embed'] });
    const done = await h.engine.waitForJob(job.id);
    expect(done.errors).toBe(1);
    const row = (await h.engine.invoke('models.list', {})).models.find((m) => m.id === 'test-text-embed')!;
    expect(row).toMatchObject({ status: 'corrupt', dir });
    expect(row.problems.join('\n')).toContain('onnx/model.onnx');
  });

  it('benchmarks an installed model as a job', async () => {
    const job = await h.engine.invoke('models.bench', { ids: ['test-ner'], devices: ['cpu'] });
    expect((await h.engine.waitForJob(job.id)).state).toBe('done');
    const result = await h.engine.invoke('models.result', { jobId: job.id });
    if (result.kind !== 'models-bench') throw new Error(result.kind);
    expect(result.rows.length).toBeGreaterThan(0);
    expect(result.rows.every((r) => r.model === 'test-ner' && r.device === 'cpu' && r.itemsPerSec > 0)).toBe(
      true,
    );
    await expect(h.engine.invoke('models.bench', { ids: ['stanford-deidentifier-base'] })).rejects.toThrow(
      /installed/,
    );
  });
});
