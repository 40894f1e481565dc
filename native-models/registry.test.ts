import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkModels, formatChecks, formatModelList } from './check.ts';
import { isContainedPath, manifestProblems, parseSha256Sums } from './manifest.ts';
import { BUILTIN_MANIFESTS_DIR, listModels, pinModel, resolveModelDirs, sha256File } from './registry.ts';
import { ModelRunner } from './runner.ts';
import { TEST_MODELS, copyTestModels } from './test-helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function scratch(ids: string[]) {
  const s = copyTestModels(ids);
  cleanups.push(s.cleanup);
  return s;
}

describe('model folders', () => {
  it('searches the project first, then configured folders, then the user folder', () => {
    const dirs = resolveModelDirs({ projectDir: '/p', extra: ['/shared/models'], env: {}, home: '/home/u' });
    expect(dirs).toEqual([
      { path: '/p/models', scope: 'project' },
      { path: '/shared/models', scope: 'configured' },
      { path: '/home/u/.medprep/models', scope: 'user' },
    ]);
  });

  it('takes the user folder from MEDPREP_MODELS_DIR (a path list) when set', () => {
    const env = { MEDPREP_MODELS_DIR: ['/a', '/b'].join(path.delimiter) };
    expect(resolveModelDirs({ env, home: '/home/u' }).map((d) => d.path)).toEqual(['/a', '/b']);
  });
});

describe('manifests', () => {
  it('every shipped manifest is valid and names where to obtain the weights', () => {
    const files = fs.readdirSync(BUILTIN_MANIFESTS_DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const json = JSON.parse(fs.readFileSync(path.join(BUILTIN_MANIFESTS_DIR, f), 'utf8'));
      expect(manifestProblems(json), f).toEqual([]);
      expect(json.source.obtain.length, f).toBeGreaterThan(40);
    }
  });

  it('a shipped model the user has not installed is listed as missing, with the folders to put it in', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-empty-'));
    cleanups.push(() => fs.rmSync(empty, { recursive: true, force: true }));
    const list = listModels({ dirs: [{ path: empty, scope: 'user' }] });
    const opus = list.models.find((m) => m.manifest.id === 'opus-mt-es-en');
    expect(opus?.status).toBe('missing');
    expect(opus?.searched).toEqual([path.join(empty, 'opus-mt-es-en')]);
    expect(formatModelList(list)).toContain('opus-mt-es-en');
  });

  it('rejects paths that leave the model folder', () => {
    expect(isContainedPath('onnx/model.onnx')).toBe(true);
    expect(isContainedPath('../model.onnx')).toBe(false);
    expect(isContainedPath('/etc/passwd')).toBe(false);
    expect(isContainedPath('onnx/../../x')).toBe(false);
  });

  it('reads sha256sum output', () => {
    const h = 'a'.repeat(64);
    expect(parseSha256Sums(`${h}  onnx/model.onnx\n${h} *config.json\n`)).toEqual(
      new Map([
        ['onnx/model.onnx', h],
        ['config.json', h],
      ]),
    );
  });

  it('an unreadable manifest is reported, not thrown', () => {
    const s = scratch(['test-ner']);
    fs.writeFileSync(path.join(s.dir, 'test-ner', 'medprep.json'), '{ not json');
    const list = listModels(s.config);
    expect(list.models).toEqual([]);
    expect(list.invalid[0]?.message).toMatch(/medprep\.json is not valid JSON/);
  });
});

describe('models list and check', () => {
  it('lists every test model as found', () => {
    const list = listModels(TEST_MODELS);
    expect(list.models.map((m) => [m.manifest.id, m.status])).toEqual([
      ['test-clip', 'found'],
      ['test-llm', 'found'],
      ['test-ner', 'found'],
      ['test-opus-mt-es-en', 'found'],
      ['test-text-embed', 'found'],
    ]);
  });

  it('verifies every file against its pinned hash and loads each model once on the CPU', async () => {
    const { checks } = await checkModels({ models: TEST_MODELS, device: 'cpu' });
    expect(checks.map((c) => [c.id, c.status, c.load?.device])).toEqual([
      ['test-clip', 'verified', 'cpu'],
      ['test-llm', 'verified', 'cpu'],
      ['test-ner', 'verified', 'cpu'],
      ['test-opus-mt-es-en', 'verified', 'cpu'],
      ['test-text-embed', 'verified', 'cpu'],
    ]);
  });

  it('a missing file is a clear error naming the file, in check and in a task call', async () => {
    const s = scratch(['test-ner']);
    fs.rmSync(path.join(s.dir, 'test-ner', 'onnx', 'model.onnx'));
    expect(listModels(s.config).models[0]?.status).toBe('incomplete');
    const { checks } = await checkModels({ models: s.config, device: 'cpu' });
    expect(checks[0]?.status).toBe('missing');
    expect(checks[0]?.problems.map((p) => p.message)).toEqual([
      `model "test-ner": file onnx/model.onnx not found in ${path.join(s.dir, 'test-ner')}`,
    ]);
    const runner = new ModelRunner({ models: s.config, device: 'cpu' });
    await expect(runner.recognizeEntities('test-ner', ['x'])).rejects.toThrow(
      /model "test-ner": onnx\/model\.onnx not found in/,
    );
    runner.close();
  });

  it('a file whose hash does not match is reported as corrupt, naming the file, and is not loaded', async () => {
    const s = scratch(['test-ner']);
    const file = path.join(s.dir, 'test-ner', 'onnx', 'model.onnx');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    fs.writeFileSync(file, bytes);
    const { checks } = await checkModels({ models: s.config, device: 'cpu' });
    expect(checks[0]?.status).toBe('corrupt');
    expect(checks[0]?.load).toBeNull();
    expect(checks[0]?.problems[0]?.message).toMatch(
      /^model "test-ner": onnx\/model\.onnx has SHA-256 [0-9a-f]{12}…, expected [0-9a-f]{12}… \(from manifest\)/,
    );
    expect(formatChecks(checks)).toContain('error: model "test-ner": onnx/model.onnx has SHA-256');
  });

  it('garbage weights with no pinned hash fail to load with an error, without crashing anything', async () => {
    const s = scratch(['test-ner']);
    const manifestPath = path.join(s.dir, 'test-ner', 'medprep.json');
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    for (const f of manifest.files) f.sha256 = null;
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));
    fs.writeFileSync(path.join(s.dir, 'test-ner', 'onnx', 'model.onnx'), 'not an onnx model');
    const { checks } = await checkModels({ models: s.config, device: 'cpu' });
    expect(checks[0]?.status).toBe('load-failed');
    expect(checks[0]?.error).toMatch(/^model "test-ner" could not be loaded on cpu: /);
  });

  it("pins a user's copy with SHA256SUMS beside the weights, or by writing medprep.json", async () => {
    const s = scratch(['test-text-embed']);
    const folder = path.join(s.dir, 'test-text-embed');
    const manifestPath = path.join(folder, 'medprep.json');
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    const sums = manifest.files
      .map((f: { path: string; sha256: string }) => `${f.sha256}  ${f.path}`)
      .join('\n');
    for (const f of manifest.files) f.sha256 = null;
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));

    let { checks } = await checkModels({ models: s.config, device: 'cpu' });
    expect(checks[0]?.status).toBe('unpinned');
    expect(checks[0]?.problems[0]?.kind).toBe('unpinned');

    fs.writeFileSync(path.join(folder, 'SHA256SUMS'), sums);
    ({ checks } = await checkModels({ models: s.config, device: 'cpu' }));
    expect(checks[0]?.status).toBe('verified');

    fs.rmSync(path.join(folder, 'SHA256SUMS'));
    const entry = listModels(s.config).models[0];
    if (!entry) throw new Error('no entry');
    await pinModel(entry);
    ({ checks } = await checkModels({ models: s.config, device: 'cpu' }));
    expect(checks[0]?.status).toBe('verified');
    expect(await sha256File(path.join(folder, 'config.json'))).toMatch(/^[0-9a-f]{64}$/);
  });
});
