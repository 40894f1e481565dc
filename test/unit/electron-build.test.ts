// The Electron app runs the engine compiled by `npm run build` (tsc -p tsconfig.electron.json), not the
// TypeScript sources: this builds it the same way into a scratch folder inside the repository (so the engine
// finds its package.json and resources) and runs a real import and de-identification through the compiled
// engine, its compiled worker threads and its compiled native-models layer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, sampleMimic, tempDir } from '../support/dicom-tree.ts';

const out = path.join(repoRoot, 'test', '.tmp', `electron-build-${process.pid}`);
const work = tempDir('medprep-built-');
afterAll(() => {
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the Electron build', () => {
  it('compiles main, preload, engine and native-models, and the compiled engine imports and de-identifies', () => {
    const tsc = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        'tsconfig.electron.json',
        '--outDir',
        out,
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    for (const f of [
      'electron/main/main.js',
      'electron/preload/preload.cjs',
      'electron/engine/process/engine-process.js',
      'native-models/registry.js',
    ])
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    // The build copies the shipped model manifests beside the compiled registry, as package.json's build does.
    fs.cpSync(
      path.join(repoRoot, 'native-models', 'manifests'),
      path.join(out, 'native-models', 'manifests'),
      {
        recursive: true,
      },
    );

    const script = `
      const { Engine } = await import(${JSON.stringify(path.join(out, 'electron', 'engine', 'index.js'))});
      const e = new Engine();
      await e.invoke('project.create', { dir: ${JSON.stringify(path.join(work, 'project'))} });
      const imp = await e.waitForJob((await e.invoke('import.start', { source: ${JSON.stringify(sampleMimic)} })).id);
      const summary = await e.invoke('import.summary', { jobId: imp.id });
      const deid = await e.waitForJob((await e.invoke('deid.start', {})).id);
      const models = await e.invoke('models.list', {});
      process.stdout.write(JSON.stringify({ imp: imp.state, imported: summary.imported, reports: summary.reports,
        deid: deid.state, deidMessage: deid.message, stats: await e.invoke('project.stats', {}),
        manifests: models.models.length }));
      await e.close();`;
    // A module file, not --input-type=module -e: worker threads inherit the parent's flags.
    const file = path.join(work, 'run.mjs');
    fs.writeFileSync(file, script);
    const run = spawnSync(process.execPath, [file], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, MEDPREP_MODELS_DIR: path.join(work, 'models') },
    });
    expect(run.stderr).toBe('');
    const r = JSON.parse(run.stdout) as Record<string, unknown> & {
      stats: { images: number; reports: number };
    };
    expect(r.imp).toBe('done');
    expect(r.imported).toBeGreaterThan(10);
    expect(r.reports).toBeGreaterThan(5);
    expect(r.deid).toBe('done');
    expect(r.deidMessage).toMatch(/de-identified \d+ of \d+ files and reports, 0 with errors/);
    expect(r.stats.images).toBe(r.imported);
    expect(r.manifests).toBeGreaterThan(0);
  }, 240_000);
});
