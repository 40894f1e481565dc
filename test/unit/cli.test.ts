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
      'eval-deid GOLD.jsonl',
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

  it('says a stage that has not landed is not available yet, in one line, exit 1', () => {
    for (const args of [
      ['deid', 'p'],
      ['curate', 'p'],
      ['export', 'p', 'out'],
      ['verify', 'b'],
      ['deid-text'],
    ]) {
      const r = medprep(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/not available yet/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
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

  it('npm run demo runs the pipeline on the sample data and says where the project is', () => {
    const out = path.join(work, 'demo');
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'demo.ts'), out], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Imported 20 images');
    expect(r.stdout).toContain(`Project: ${path.join(out, 'project')}`);
  });
});
