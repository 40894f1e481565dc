// Crash safety: every stage's real CLI is killed with SIGKILL at seeded random moments, run again to completion
// (sometimes killed again on the way), and the project must then equal an uninterrupted run: the same rows in
// every results table, no duplicates, integrity_check ok, no foreign key violations, no job left running, every
// thumbnail row with its file, and for export the same bundle bytes, verify passing and no half-written bundle
// that verify accepts. Seed: MEDPREP_KILL_SEED; kills per stage: MEDPREP_KILLS (default 20; nightly 200).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../electron/engine/export/verify.ts';
import { buildSources, expand, stages, type Stage } from './support/kill-dataset.ts';
import { diffDumps, dumpProject, type Dump } from './support/kill-dump.ts';
import {
  bundleHash,
  jobLeftRunning,
  killMoment,
  runCli,
  runSequence,
  tempLeftovers,
  type JobPhase,
} from './support/kill-run.ts';
import { seededRandom } from '../../scripts/seeded-random.ts';

const SEED = Number(process.env.MEDPREP_KILL_SEED ?? 20261125);
const KILLS = Number(process.env.MEDPREP_KILLS ?? 20);
/** Share of re-runs that are killed too before the final one. */
const RERUN_KILL_SHARE = 0.3;

let root: string;
let allStages: Stage[];
/** Project after each stage of the uninterrupted reference run (index 0: empty project). */
const snapshots: string[] = [];
const referenceMs: number[] = [];
const referencePhases: JobPhase[][] = [];
const referenceDumps: Dump[] = [];
const referenceBundles = new Map<string, string>();

function stepsFor(stage: Stage, dir: string): string[][] {
  return stage.steps.map((s) => expand(s, path.join(dir, 'project'), path.join(dir, 'out')));
}

function bundlesOf(stage: Stage, dir: string): string[] {
  return stage.name === 'export' ? stepsFor(stage, dir).map((s) => s[2]!) : [];
}

function thumbnailsMissing(projectDir: string): number {
  const db = new Database(path.join(projectDir, 'project.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT thumbnail FROM images WHERE thumbnail IS NOT NULL').all() as {
      thumbnail: string;
    }[];
    return rows.filter((r) => !fs.existsSync(path.join(projectDir, 'cache', r.thumbnail))).length;
  } finally {
    db.close();
  }
}

/** A fresh copy of the project as the previous stage left it, in its own folder. */
function freshCopy(stageIndex: number, name: string): string {
  const dir = path.join(root, name);
  fs.cpSync(snapshots[stageIndex]!, path.join(dir, 'project'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'out'));
  return dir;
}

/** Everything a finished stage must satisfy, as a list of problems (empty: equal to the reference). */
async function problemsAfter(stageIndex: number, stage: Stage, dir: string): Promise<string[]> {
  const project = path.join(dir, 'project');
  const dump = dumpProject(project, dir);
  const problems = diffDumps(referenceDumps[stageIndex]!, dump);
  if (dump.integrity !== 'ok') problems.push(`integrity_check: ${dump.integrity}`);
  if (dump.foreignKeyViolations) problems.push(`${dump.foreignKeyViolations} foreign key violations`);
  if (dump.jobsLeftRunning) problems.push(`${dump.jobsLeftRunning} jobs left running`);
  const missing = thumbnailsMissing(project);
  if (missing) problems.push(`${missing} thumbnail rows without their file`);
  for (const b of bundlesOf(stage, dir)) {
    const name = path.basename(b);
    if (!fs.existsSync(b)) {
      problems.push(`${name}: missing`);
      continue;
    }
    if (bundleHash(b) !== referenceBundles.get(name))
      problems.push(`${name}: differs from the reference bundle`);
    const v = await verifyBundle(b, null);
    if (!v.ok) problems.push(`${name}: verify failed: ${v.summary}`);
  }
  const left = tempLeftovers(path.join(dir, 'out'));
  if (left.length)
    problems.push(`temporary files beside the bundles: ${left.map((p) => path.basename(p)).join(', ')}`);
  return problems;
}

/** Right after a kill: a bundle that verify accepts must be the finished one, byte for byte. */
async function halfWrittenPresentedComplete(stage: Stage, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const b of bundlesOf(stage, dir)) {
    if (!fs.existsSync(b)) continue;
    const v = await verifyBundle(b, null);
    if (v.ok && bundleHash(b) !== referenceBundles.get(path.basename(b)))
      out.push(`${path.basename(b)}: verify accepts a bundle that differs from the finished one`);
  }
  return out;
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-kill-'));
  allStages = stages(buildSources(path.join(root, 'src')));
  const init = path.join(root, 'ref-0', 'project');
  const r = await runCli(['init', init]);
  expect(r.code, r.stderr).toBe(0);
  snapshots.push(init);
  for (const [i, stage] of allStages.entries()) {
    const dir = freshCopy(i, `ref-${i + 1}`);
    const run = await runSequence(stepsFor(stage, dir), undefined, path.join(dir, 'project'));
    expect(run.failures).toEqual([]);
    referenceMs.push(run.ms);
    referencePhases.push(run.phases);
    referenceDumps.push(dumpProject(path.join(dir, 'project'), dir));
    for (const b of bundlesOf(stage, dir)) referenceBundles.set(path.basename(b), bundleHash(b));
    snapshots.push(path.join(dir, 'project'));
  }
}, 600_000);

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe.each([0, 1, 2, 3, 4])('crash safety of stage %i', (i) => {
  it('killed at random moments and run again, ends equal to an uninterrupted run', async () => {
    const stage = allStages[i]!;
    // A second uninterrupted run first: whatever differs here is non-determinism, not crash damage.
    const control = freshCopy(i, `${stage.name}-control`);
    const controlRun = await runSequence(stepsFor(stage, control));
    expect(controlRun.failures).toEqual([]);
    expect(await problemsAfter(i, stage, control)).toEqual([]);
    fs.rmSync(control, { recursive: true, force: true });

    // Each stage has its own stream, so one stage run alone (-t) kills at the same moments.
    const rng = seededRandom(SEED + i);
    const window = referenceMs[i]!;
    let kills = 0;
    let midJob = 0;
    let reruns = 0;
    let attempts = 0;
    let cacheTemps = 0;
    const mismatches: string[] = [];
    while (kills < KILLS && attempts < KILLS * 3) {
      attempts++;
      const dir = freshCopy(i, `${stage.name}-${attempts}`);
      const steps = stepsFor(stage, dir);
      const killAt = killMoment(rng, window, referencePhases[i]!);
      const first = await runSequence(steps, killAt, path.join(dir, 'project'));
      if (first.killedStep === null) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue; // the job finished before the moment came: not a kill
      }
      kills++;
      if (jobLeftRunning(path.join(dir, 'project'))) midJob++;
      const early = await halfWrittenPresentedComplete(stage, dir);
      let from = first.killedStep;
      if (rng() < RERUN_KILL_SHARE) {
        reruns++;
        const again = await runSequence(steps.slice(from), { atMs: rng() * window });
        if (again.killedStep !== null) {
          kills++;
          if (jobLeftRunning(path.join(dir, 'project'))) midJob++;
          early.push(...(await halfWrittenPresentedComplete(stage, dir)));
          from += again.killedStep;
        } else from = steps.length;
        mismatches.push(...again.failures.map((f) => `attempt ${attempts} (killed re-run): ${f}`));
      }
      if (from < steps.length) {
        reruns++;
        const rest = await runSequence(steps.slice(from));
        mismatches.push(...rest.failures.map((f) => `attempt ${attempts} (re-run): ${f}`));
      }
      // A kill between a thumbnail's write and its rename leaves `*.tmp-*` in the cache: never referenced by a
      // row (problemsAfter checks every thumbnail row has its file), counted here.
      cacheTemps += tempLeftovers(path.join(dir, 'project', 'cache')).length;
      const problems = [...early, ...(await problemsAfter(i, stage, dir))];
      mismatches.push(...problems.map((p) => `attempt ${attempts} (kill ${JSON.stringify(killAt)}): ${p}`));
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(
      `kill harness ${stage.name}: ${kills} kills (${midJob} mid-job), ${reruns} re-runs, ` +
        `${mismatches.length} mismatches, ${cacheTemps} unreferenced cache temp files; ` +
        `window ${Math.round(window)} ms, seed ${SEED}`,
    );
    expect(mismatches).toEqual([]);
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // Kills must land inside jobs, not only while the process starts.
    expect(midJob).toBeGreaterThanOrEqual(Math.ceil(kills / 4));
  }, 1_800_000); // bounded by MEDPREP_KILLS; generous for a loaded machine
});
