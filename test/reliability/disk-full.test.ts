// Full and read-only disks, for real (tmpfs in a private mount namespace): a project that fills up during
// import and de-identification, an export target that fills up, a read-only export target and a read-only
// project. Each must fail with one line naming the cause and the path, exit 1, record the job failed, mark
// nothing complete that is not, keep the project database intact, and, once space is freed, a re-run must
// complete and equal an uninterrupted run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../electron/engine/export/verify.ts';
import { buildSources, expand, stages, type Stage } from './support/kill-dataset.ts';
import { diffDumps, dumpProject, type Dump } from './support/kill-dump.ts';
import { bundleHash, runCli, runSequence } from './support/kill-run.ts';
import {
  cli,
  grow,
  inTmpfs,
  keep,
  namespaceUnavailable,
  outcome,
  projectSizeKb,
  readOnly,
  type CliOutcome,
} from './support/disk-namespace.ts';

// Projects here never hold bundle paths (no export is compared), so no folder is replaced in the dumps.
const NO_ROOT = '\u0000';

const unavailable = namespaceUnavailable();
if (unavailable) console.log(`full/read-only disk tests skipped: ${unavailable}`);

let root: string;
let byName: Record<Stage['name'], Stage>;
/** The uninterrupted reference: the project after each stage, and its dump. */
const ref = new Map<string, { dir: string; dump: Dump }>();
let refBundle = '';

const steps = (stage: Stage, project: string, out: string) => stage.steps.map((s) => expand(s, project, out));

/** A copy as a backup tool makes it (`cp -a`): modes kept, so the copy is as private as the project. */
function copyProject(from: string, name: string): string {
  const to = path.join(root, name);
  const r = spawnSync('cp', ['-a', from, to]);
  expect(r.status, String(r.stderr)).toBe(0);
  return to;
}

/** One line, naming the cause and a path, no stack trace. */
function expectClearError(o: CliOutcome, command: string, cause: RegExp, where: string): void {
  expect(o.rc).toBe(1);
  const lines = o.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^medprep ${command}: `));
  expect(lines[0]).toMatch(cause);
  expect(lines[0]).toContain(where);
  expect(o.stderr).not.toMatch(/\n\s+at /u);
}

function inspect(projectDir: string) {
  const db = new Database(path.join(projectDir, 'project.db'), { readonly: true });
  try {
    const thumbs = db.prepare('SELECT thumbnail FROM images WHERE thumbnail IS NOT NULL').all() as {
      thumbnail: string;
    }[];
    return {
      integrity: db.pragma('integrity_check', { simple: true }),
      jobs: db.prepare('SELECT kind, state, message FROM jobs ORDER BY started_at').all() as {
        kind: string;
        state: string;
        message: string;
      }[],
      thumbnailsMissing: thumbs.filter((t) => !fs.existsSync(path.join(projectDir, 'cache', t.thumbnail)))
        .length,
      exports: db.prepare('SELECT state FROM exports').all() as { state: string }[],
    };
  } finally {
    db.close();
  }
}

describe.skipIf(unavailable !== null)('full and read-only disks', () => {
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-disk-'));
    const all = stages(buildSources(path.join(root, 'src')));
    byName = Object.fromEntries(all.map((s) => [s.name, s])) as typeof byName;
    let project = path.join(root, 'ref-init');
    expect((await runCli(['init', project])).code).toBe(0);
    ref.set('init', { dir: project, dump: dumpProject(project, NO_ROOT) });
    for (const stage of all) {
      project = copyProject(project, `ref-${stage.name}`);
      const run = await runSequence(steps(stage, project, path.join(root, 'ref-out')));
      expect(run.failures).toEqual([]);
      ref.set(stage.name, { dir: project, dump: dumpProject(project, NO_ROOT) });
    }
    refBundle = bundleHash(path.join(root, 'ref-out', 'llava'));
  }, 600_000);

  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  // A tmpfs holding the project before the stage plus this share of what the stage adds: full mid-way.
  const fillingUp = (before: string, after: string, share: number) => {
    const b = projectSizeKb(before);
    return b + Math.max(8, Math.round((projectSizeKb(after) - b) * share));
  };

  it.each([
    ['import', 'init', 0.4],
    ['deid', 'import', 0.3],
  ] as const)(
    'a project disk that fills up during %s: clear error, job failed, database intact; after freeing space a re-run equals the reference',
    (stageName, before, share) => {
      const stage = byName[stageName];
      const mount = path.join(root, `mnt-${stageName}`);
      const project = path.join(mount, 'project');
      const logs = path.join(root, `logs-${stageName}`);
      fs.mkdirSync(logs);
      const run = (tag: string) =>
        steps(stage, project, path.join(mount, 'out')).map((args, i) =>
          cli(args, path.join(logs, `${tag}${i}`)),
        );
      inTmpfs(mount, fillingUp(ref.get(before)!.dir, ref.get(stageName)!.dir, share), [
        `cp -a '${ref.get(before)!.dir}' '${project}'`,
        ...run('full'),
        keep(project, path.join(root, `${stageName}-full`)),
        grow(mount),
        ...run('freed'),
        keep(project, path.join(root, `${stageName}-freed`)),
      ]);
      const full = stage.steps.map((_, i) => outcome(path.join(logs, `full${i}`)));
      const failed = full.filter((o) => o.rc !== 0);
      expect(failed.length).toBeGreaterThan(0);
      for (const o of failed) expectClearError(o, stage.steps[0]![0]!, /no space left on device/u, mount);
      const after = inspect(path.join(root, `${stageName}-full`));
      expect(after.integrity).toBe('ok');
      expect(after.thumbnailsMissing).toBe(0);
      const stageJobs = after.jobs.filter((j) => j.kind === stageName);
      // Only the commands that succeeded have done jobs. A failing job records its failure with the cause when SQLite can still write; when the
      // disk is so full that even that write fails, the row stays as it was (running, shown as interrupted on
      // the next open), or was never created, and the command's one-line error above is the record.
      expect(stageJobs.filter((j) => j.state === 'done')).toHaveLength(full.filter((o) => o.rc === 0).length);
      for (const j of stageJobs.filter((x) => x.state === 'failed'))
        expect(j.message).toContain('no space left on device');
      expect(stageJobs.every((j) => ['failed', 'interrupted', 'running'].includes(j.state))).toBe(true);

      for (const [i] of stage.steps.entries()) expect(outcome(path.join(logs, `freed${i}`)).rc).toBe(0);
      const freed = path.join(root, `${stageName}-freed`);
      expect(diffDumps(ref.get(stageName)!.dump, dumpProject(freed, NO_ROOT))).toEqual([]);
      expect(inspect(freed).integrity).toBe('ok');
    },
    300_000,
  );

  it('an export target that fills up: clear error, no bundle and no temporary files; after freeing space the bundle equals the reference', async () => {
    const project = copyProject(ref.get('sft')!.dir, 'export-full-project');
    const mount = path.join(root, 'mnt-export');
    const logs = path.join(root, 'logs-export');
    fs.mkdirSync(logs);
    const out = path.join(mount, 'llava');
    inTmpfs(mount, Math.round(projectSizeKb(path.join(root, 'ref-out', 'llava')) * 0.4), [
      cli(['export', project, out], path.join(logs, 'full')),
      `ls -A '${mount}' > '${path.join(logs, 'listing')}'`,
      grow(mount),
      cli(['export', project, out], path.join(logs, 'freed')),
      keep(out, path.join(root, 'export-freed')),
    ]);
    expectClearError(outcome(path.join(logs, 'full')), 'export', /no space left on device/u, mount);
    expect(fs.readFileSync(path.join(logs, 'listing'), 'utf8')).toBe(''); // no bundle, no half-written folder
    const states = inspect(project).exports.map((e) => e.state);
    expect(states).toEqual(['failed', 'complete']);
    expect(outcome(path.join(logs, 'freed')).rc).toBe(0);
    expect(bundleHash(path.join(root, 'export-freed'))).toBe(refBundle);
    expect((await verifyBundle(path.join(root, 'export-freed'), null)).ok).toBe(true);
  }, 300_000);

  it('a read-only export target: clear error naming the read-only file system, nothing written, export recorded failed', () => {
    const project = copyProject(ref.get('sft')!.dir, 'export-ro-project');
    const mount = path.join(root, 'mnt-export-ro');
    const logs = path.join(root, 'logs-export-ro');
    fs.mkdirSync(logs);
    inTmpfs(mount, 1024, [
      readOnly(mount),
      cli(['export', project, path.join(mount, 'llava')], path.join(logs, 'folder')),
      cli(['export', project, path.join(mount, 'b.zip'), '--archive', 'zip'], path.join(logs, 'zip')),
      `ls -A '${mount}' > '${path.join(logs, 'listing')}'`,
    ]);
    expectClearError(outcome(path.join(logs, 'folder')), 'export', /read-only file system/u, mount);
    expectClearError(outcome(path.join(logs, 'zip')), 'export', /read-only file system/u, mount);
    expect(fs.readFileSync(path.join(logs, 'listing'), 'utf8')).toBe('');
    const info = inspect(project);
    expect(info.exports.map((e) => e.state)).toEqual(['failed', 'failed']);
    expect(info.jobs.filter((j) => j.kind === 'export').map((j) => j.state)).toEqual(['failed', 'failed']);
  }, 60_000);

  it('a project on a read-only disk: opening it fails with one clear line and the project is left as it was', () => {
    const mount = path.join(root, 'mnt-project-ro');
    const project = path.join(mount, 'project');
    const logs = path.join(root, 'logs-project-ro');
    fs.mkdirSync(logs);
    inTmpfs(mount, 16384, [
      `cp -a '${ref.get('sft')!.dir}' '${project}'`,
      readOnly(mount),
      cli(['stats', project], path.join(logs, 'stats')),
      cli(['deid', project], path.join(logs, 'deid')),
      keep(project, path.join(root, 'project-ro-after')),
    ]);
    for (const [log, command] of [
      ['stats', 'stats'],
      ['deid', 'deid'],
    ] as const)
      expectClearError(
        outcome(path.join(logs, log)),
        command,
        /cannot open the project: read-only file system/u,
        project,
      );
    const after = path.join(root, 'project-ro-after');
    expect(diffDumps(ref.get('sft')!.dump, dumpProject(after, NO_ROOT))).toEqual([]);
    expect(inspect(after).integrity).toBe('ok');
  }, 60_000);
});
