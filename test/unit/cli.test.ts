import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA } from '../../electron/engine/project/migrations.ts';
import { makeDicomTree, medprep, repoRoot, tempDir } from '../support/dicom-tree.ts';

const work = tempDir('medprep-cli-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('the medprep command', () => {
  it('prints its command table with --help and exits 0', () => {
    const r = medprep(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of [
      'init PROJECT',
      'import PROJECT SOURCE',
      'deid PROJECT',
      'deid-text',
      'eval-deid GOLD',
      'curate',
      'sft',
      'export PROJECT OUT',
      'verify BUNDLE',
      'stats PROJECT',
      'models list|check|bench',
      'serve',
      'run SOURCE OUT',
    ]) {
      expect(r.stdout).toContain(`medprep ${cmd}`);
    }
  });

  it.each([
    [[], 'no command'],
    [['frobnicate'], 'an unknown command'],
    [['stats'], 'a missing argument'],
    [['stats', 'a', 'b'], 'an extra argument'],
    [['stats', 'p', '--colour'], 'an unknown flag'],
    [['import', 'p', 'src', '--format', 'tiff'], 'an unknown format'],
    [['serve', '--port', 'eighty'], 'a bad port'],
  ])('answers %j (%s) with usage and exit 2', (args) => {
    const r = medprep(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage:');
    expect(r.stdout).toBe('');
  });

  it('creates a project with init, refuses a second init there, and reports empty stats as JSON', () => {
    const dir = path.join(work, 'p-init');
    const created = medprep(['init', dir, '--name', 'Chest study', '--json']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      project: { dir, name: 'Chest study', schemaVersion: LATEST_SCHEMA },
    });
    const again = medprep(['init', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/already exists/);
    const stats = medprep(['stats', dir, '--json']);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toEqual({
      sources: 0,
      patients: 0,
      studies: 0,
      images: 0,
      reports: 0,
      errors: 0,
      skipped: 0,
    });
  });

  it('tightens a project left readable by other users and says so on stderr, without its path', () => {
    const dir = path.join(work, 'p-loose');
    expect(medprep(['init', dir]).code).toBe(0);
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, 'project.db'), 0o644);
    const r = medprep(['stats', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^medprep: \d+ project entries were readable by other users; tightened/);
    expect(r.stderr).not.toContain(dir);
    expect(JSON.parse(r.stdout)).toMatchObject({ images: 0 });
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(medprep(['stats', dir]).stderr).toBe('');
  });

  it('offers every stage of the pipeline: no command is left "not available yet"', () => {
    expect(medprep(['--help']).stdout).not.toMatch(/not available yet/);
  });

  it('fails in one line when the project does not exist', () => {
    const r = medprep(['stats', path.join(work, 'nowhere')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^medprep stats: No MedPrep project in .*nowhere/);
  });

  it('draws a progress bar with rate and ETA on a terminal, and keeps stdout clean for scripts', () => {
    const src = makeDicomTree(path.join(work, 'src-tty'), { images: 400, template: 'small' });
    const project = path.join(work, 'p-tty');
    expect(medprep(['init', project]).code).toBe(0);
    const bin = path.join(repoRoot, 'electron', 'cli', 'bin.js');
    // util-linux `script` gives the command a real pseudo-terminal.
    const tty = spawnSync(
      'script',
      ['-qec', `'${process.execPath}' '${bin}' import '${project}' '${src.dir}'`, '/dev/null'],
      {
        encoding: 'utf8',
      },
    );
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/import \[=+\] 400\/400 +[\d.]+\/s +ETA 0:00/);
    const piped = medprep(['import', project, src.dir]);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe('Imported 0 images and 0 reports; 0 files skipped, 400 unchanged, 0 errors.\n');
  });

  it('npm run demo runs the pipeline on the sample data to a bundle that verify accepts', () => {
    const out = path.join(work, 'demo');
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'demo.ts'), out], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Imported 20 images');
    expect(r.stdout).toContain(`Project: ${path.join(out, 'project')}`);
    const bundle = path.join(out, 'bundle');
    expect(r.stdout).toContain(`Bundle:  ${bundle}`);
    expect(r.stdout).toMatch(/bundle OK: 6 checks passed \(llava/);
    const v = medprep(['verify', bundle, '--project', path.join(out, 'project'), '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, format: 'llava' });
  });

  it('refuses to generate SFT samples before de-identification, saying what to run', () => {
    const project = path.join(work, 'p-sft-first');
    expect(medprep(['init', project]).code).toBe(0);
    expect(
      medprep(['import', project, path.join(repoRoot, 'resources', 'sample-data', 'mimic-cxr')]).code,
    ).toBe(0);
    const r = medprep(['sft', project]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /20 images have not been de-identified yet: run de-identification \(medprep deid\) first/,
    );
  });
});
