// The installed app's layout, proven without the Electron binary (it cannot be downloaded here): the real
// build and the real electron-builder output for Linux (`--dir`, with a stand-in for the binary that carries
// Electron's fuse wire), its app.asar unpacked with @electron/asar, and the engine process started from that
// layout with `process.resourcesPath` pointing at it, as Electron sets it. The journey import → de-identify →
// curate → SFT → export then needs every runtime file from the package: the PS3.15 table and the recipes
// (extraResources), model manifests, worker scripts and WASM codecs (app.asar), native modules
// (app.asar.unpacked). The layout lives outside the repository, so nothing can resolve from the source tree.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { extractAll, getRawHeader } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, forkEngine } from '../../electron/engine/process/client.ts';
import { TEST_MODELS_DIR } from '../../native-models/test-helpers.ts';
import { repoRoot, tempDir } from '../support/dicom-tree.ts';
import { jobEnd, runJourney } from '../support/journey.ts';

const work = tempDir('medprep-packaged-');
const out = path.join(work, 'release');
const unpacked = path.join(out, 'linux-unpacked');
const resources = path.join(unpacked, 'resources');
const app = path.join(resources, 'app');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Electron's fuse sentinel, then wire version 1 and 8 fuses, all on: the build must flip the ones it sets. */
function placeholderElectron(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const wire = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "placeholder for the Electron binary"\n'),
    Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
    Buffer.from([1, 8]),
    Buffer.from('11111111'),
  ]);
  fs.writeFileSync(path.join(dir, 'electron'), wire, { mode: 0o755 });
}

function run(cmd: string[], what: string): void {
  const r = spawnSync(process.execPath, cmd, { cwd: repoRoot, encoding: 'utf8', env: process.env });
  if (r.status !== 0) throw new Error(`${what} failed:\n${r.stdout}\n${r.stderr}`);
}

/** Files (not folders) under `dir`, relative, with their sizes. */
function files(dir: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) {
      const abs = path.join(e.parentPath, e.name);
      found.set(path.relative(dir, abs), fs.statSync(abs).size);
    }
  return found;
}

beforeAll(() => {
  // package.json's build, minus the renderer (Vite; built by `npm ci`'s prepare and packaged as it is).
  run([path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.electron.json'], 'tsc');
  fs.cpSync(
    path.join(repoRoot, 'native-models', 'manifests'),
    path.join(repoRoot, 'dist', 'native-models', 'manifests'),
    {
      recursive: true,
    },
  );
  placeholderElectron(path.join(work, 'electron-dist'));
  run(
    [
      path.join('node_modules', 'electron-builder', 'cli.js'),
      '--linux',
      '--dir',
      `-c.electronDist=${path.join(work, 'electron-dist')}`,
      `-c.directories.output=${out}`,
    ],
    'electron-builder',
  );
  extractAll(path.join(resources, 'app.asar'), app);
}, 300_000);

describe('the packaged Linux layout', () => {
  it('puts code in app.asar, native modules beside it unpacked, and resources in <resourcesPath>/resources', () => {
    const header = getRawHeader(path.join(resources, 'app.asar')).header as {
      files: Record<string, unknown>;
    };
    // The build output and the production modules only: no sources, tests or fixtures.
    expect(Object.keys(header.files).sort()).toEqual(['dist', 'node_modules', 'package.json']);
    expect(JSON.stringify(header)).toContain('"engine-process.js"');
    const unpackedFiles = [...files(path.join(resources, 'app.asar.unpacked')).keys()];
    const natives = unpackedFiles.filter((f) => /\.(node|so(\.\d+)*|dll|dylib)$/.test(f)).sort();
    for (const lib of [
      /^node_modules\/better-sqlite3\/prebuilds\/linux-x64\.node$/,
      /^node_modules\/@img\/sharp-linux-x64\/lib\/sharp-linux-x64-.*\.node$/,
      /^node_modules\/onnxruntime-node\/bin\/napi-v\d+\/linux\/x64\/onnxruntime_binding\.node$/,
    ])
      expect(
        natives.some((f) => lib.test(f)),
        String(lib),
      ).toBe(true);
    // The bundled OCR model is opened by path by onnxruntime's own I/O: it must be outside the archive.
    expect(unpackedFiles.filter((f) => /^node_modules\/@gutenye\/ocr-models\/.*\.onnx$/.test(f))).not.toEqual(
      [],
    );
    for (const f of ['dicom/ps3.15-e1-1.json', 'recipes/default.yaml', 'recipes/sft-default.yaml'])
      expect(fs.existsSync(path.join(resources, 'resources', f)), f).toBe(true);
  });

  it("carries only this OS's and architecture's native binaries, and not onnxruntime-web", () => {
    const all = [...files(path.join(resources, 'app.asar.unpacked')).keys(), ...files(app).keys()];
    const foreign = all.filter(
      (f) => /darwin|win32|arm64|\.dll$|\.dylib$/.test(f) && /\.(node|so|dll|dylib)/.test(f),
    );
    expect(foreign).toEqual([]);
    expect(all.filter((f) => f.startsWith('node_modules/onnxruntime-web/'))).toEqual([]);
    expect(all.filter((f) => f.startsWith('node_modules/better-sqlite3/deps/'))).toEqual([]);
  });

  it('turns runAsNode off (the app starts its processes with utilityProcess) and the other fuses as configured', async () => {
    const wire = await getCurrentFuseWire(path.join(unpacked, 'medprep'));
    const off = '0'.charCodeAt(0);
    const on = '1'.charCodeAt(0);
    expect(wire[FuseV1Options.RunAsNode]).toBe(off);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(off);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(off);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(on);
  });

  it('runs the engine from the layout through import → de-identify → curate → SFT → export', async () => {
    // process.resourcesPath, as Electron sets it in every process (worker threads inherit the flag).
    const setResources = `process.resourcesPath = ${JSON.stringify(resources)};`;
    const child = forkEngine(path.join(app, 'dist', 'electron', 'engine', 'process', 'engine-process.js'), {
      execArgv: ['--import', `data:text/javascript,${encodeURIComponent(setResources)}`],
      env: { ...process.env, MEDPREP_MODELS_DIR: TEST_MODELS_DIR },
    });
    const engine = await EngineClient.start(child, {
      engine: { sampleProjectDir: path.join(work, 'sample') },
    });
    try {
      const info = await engine.invoke('app.info', {});
      expect(info.sampleDataDir).toBe(path.join(resources, 'resources', 'sample-data'));

      // The bundled sample data, read from the layout.
      const r = await runJourney(
        engine,
        path.join(info.sampleDataDir, 'mimic-cxr'),
        path.join(work, 'journey'),
      );
      expect(r.summary.imported).toBeGreaterThan(10);
      expect(r.summary.errors).toEqual([]);
      expect(r.deid.message).toMatch(/de-identified \d+ of \d+ files and reports, 0 with errors/);
      expect(r.curate.kept).toBeGreaterThan(0);
      expect(r.sft!.counts.byTask.findings).toBeGreaterThan(0);
      expect(r.result).toMatchObject({ ok: true, error: null });
      expect(r.verify.ok, r.verify.summary).toBe(true);

      // The WASM and JS codecs of every compressed transfer syntax, in the import's worker threads.
      const codecs = path.join(work, 'codecs');
      fs.mkdirSync(codecs);
      const samples = [
        'j2k_lossless_cr12.dcm',
        'htj2k_lossless_cr12.dcm',
        'jpegls_lossless_cr12.dcm',
        'jpeg_baseline_mono8.dcm',
        'jpeg_extended_cr12.dcm',
        'jpeg_lossless_sv1_cr12.dcm',
        'rle_cr12.dcm',
      ];
      for (const f of samples)
        fs.copyFileSync(path.join(repoRoot, 'test', 'fixtures', 'dicom', 'codecs', f), path.join(codecs, f));
      await engine.invoke('project.create', { dir: path.join(work, 'codecs-project') });
      const imported = await jobEnd(
        engine,
        await engine.invoke('import.start', { source: codecs, format: 'dicom' }),
      );
      const summary = await engine.invoke('import.summary', { jobId: imported.id });
      expect([imported.state, summary.imported, summary.errors]).toEqual(['done', samples.length, []]);

      // Model manifests from app.asar, onnxruntime-node from app.asar.unpacked in the model host.
      const models = await engine.invoke('models.list', {});
      expect(models.models.some((m) => m.id === 'stanford-deidentifier-base')).toBe(true);
      const check = await jobEnd(
        engine,
        await engine.invoke('models.check', { ids: ['test-ner'], device: 'cpu' }),
      );
      expect(check.state, check.message).toBe('done');
      expect(await engine.invoke('models.result', { jobId: check.id })).toMatchObject({
        checks: [{ id: 'test-ner', status: 'verified', device: 'cpu' }],
      });
    } finally {
      await engine.close();
    }
  }, 300_000);

  it('stays small: about 140 MB beside the Electron binary, the OCR model included (365 MB with every OS and onnxruntime-web)', () => {
    const total = (dir: string) => [...files(dir).values()].reduce((a, b) => a + b, 0);
    const sizes = {
      'app.asar': fs.statSync(path.join(resources, 'app.asar')).size,
      'app.asar.unpacked': total(path.join(resources, 'app.asar.unpacked')),
      resources: total(path.join(resources, 'resources')),
    };
    console.log(
      'packaged layout without the Electron binary:',
      Object.entries(sizes)
        .map(([k, v]) => `${k} ${(v / 1e6).toFixed(1)} MB`)
        .join(', '),
    );
    expect(Object.values(sizes).reduce((a, b) => a + b, 0)).toBeLessThan(155e6);
  });
});
