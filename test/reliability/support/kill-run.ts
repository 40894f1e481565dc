// Running the real CLI as a child process, optionally killed with SIGKILL at a chosen moment, and the checks
// made on what a kill leaves behind.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { cliBin } from './kill-dataset.ts';

const compileCache = path.join(os.tmpdir(), 'medprep-test-compile-cache');

export interface StepResult {
  code: number | null;
  killed: boolean;
  ms: number;
  stderr: string;
}

/**
 * Runs `medprep ARGS`; with `killAfterMs`, sends SIGKILL that long after the spawn unless it exited first.
 * With `watchProject`, `jobAtMs` is when the job's row first read 'running' (the job phase starts there).
 */
export function runCli(
  args: string[],
  killAfterMs?: number,
  watchProject?: string,
  killAfterJobMs?: number,
): Promise<StepResult & { jobAtMs: number | null; jobEndMs: number | null }> {
  const started = performance.now();
  let jobAtMs: number | null = null;
  let jobEndMs: number | null = null;
  let jobTimer: NodeJS.Timeout | null = null;
  // One read-only connection for the whole watch: opening one per poll cost more CPU than the jobs.
  let probe: Database.Database | null = null;
  const running = () => {
    if (!probe) {
      if (!fs.existsSync(path.join(watchProject!, 'project.db'))) return false;
      probe = new Database(path.join(watchProject!, 'project.db'), { readonly: true });
    }
    return (
      (probe.prepare("SELECT count(*) AS n FROM jobs WHERE state = 'running'").get() as { n: number }).n > 0
    );
  };
  const stopProbe = () => {
    clearInterval(watch ?? undefined);
    probe?.close();
    probe = null;
  };
  // Until the job row reads running, then (measuring) until it no longer does, or (killing) no further.
  const watch = watchProject
    ? setInterval(() => {
        const now = running();
        if (jobAtMs === null) {
          if (!now) return;
          jobAtMs = performance.now() - started;
          if (killAfterJobMs === undefined) return;
          stopProbe();
          jobTimer = setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, killAfterJobMs);
        } else if (!now) {
          jobEndMs = performance.now() - started;
          stopProbe();
        }
      }, 3)
    : null;
  const child = spawn(process.execPath, [cliBin, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // Node's compile cache halves each CLI start's CPU time (0.45 → 0.22 s measured), and the harness starts
    // hundreds; the product is unchanged.
    env: { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? compileCache },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  let killed = false;
  const timer =
    killAfterMs === undefined
      ? null
      : setTimeout(() => {
          killed = child.kill('SIGKILL');
        }, killAfterMs);
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      if (timer) clearTimeout(timer);
      if (jobTimer) clearTimeout(jobTimer);
      stopProbe();
      resolve({ code, killed, ms: performance.now() - started, stderr, jobAtMs, jobEndMs });
    });
  });
}

/** Where the job phase of one step lies within an uninterrupted run of the sequence, in ms from its start. */
export interface JobPhase {
  from: number;
  to: number;
}

export interface SequenceResult {
  /** Index of the step the kill hit, or null when every step finished first. */
  killedStep: number | null;
  failures: string[];
  ms: number;
  /** With `watchProject`: each step's job phase. */
  phases: JobPhase[];
}

/**
 * When to kill: `atMs` from the first spawn (wherever the run is then), or `afterJobMs` after step `step`'s
 * job row first reads running in this very run (start-up time varies by hundreds of ms on a loaded machine,
 * more than a short job lasts, so a moment inside a job is measured from the job's own start).
 */
export type Kill = { atMs: number } | { step: number; afterJobMs: number };

/** Runs the steps in order, killing one of them as `kill` says; `watchProject` records each job phase. */
export async function runSequence(
  steps: string[][],
  kill?: Kill,
  watchProject?: string,
): Promise<SequenceResult> {
  const started = performance.now();
  const failures: string[] = [];
  const phases: JobPhase[] = [];
  for (let i = 0; i < steps.length; i++) {
    const stepStart = performance.now() - started;
    const left = kill && 'atMs' in kill ? Math.max(0, kill.atMs - stepStart) : undefined;
    const jobKill = kill && 'step' in kill && kill.step === i ? kill : null;
    // Watched only where a phase is measured (no kill: the reference) or a kill is timed from the job's start.
    const watch = !kill || jobKill ? watchProject : undefined;
    const r = await runCli(steps[i]!, left, watch, jobKill?.afterJobMs);
    if (r.killed) return { killedStep: i, failures, ms: performance.now() - started, phases };
    if (r.code !== 0) failures.push(`${steps[i]![0]} exited ${r.code}: ${r.stderr.trim().split('\n')[0]}`);
    phases.push({ from: stepStart + (r.jobAtMs ?? 0), to: stepStart + (r.jobEndMs ?? r.ms) });
  }
  return { killedStep: null, failures, ms: performance.now() - started, phases };
}

/**
 * A kill moment: three times in four inside a job phase (a step chosen by its phase's length, then a moment
 * within the phase as the uninterrupted run measured it), else anywhere in the run, start-up included.
 */
export function killMoment(rng: () => number, totalMs: number, phases: JobPhase[]): Kill {
  const length = phases.reduce((n, p) => n + (p.to - p.from), 0);
  if (rng() >= 0.75 || length <= 0) return { atMs: rng() * totalMs };
  let at = rng() * length;
  for (const [step, p] of phases.entries()) {
    if (at <= p.to - p.from) return { step, afterJobMs: at };
    at -= p.to - p.from;
  }
  return { atMs: totalMs };
}

/** Whether a kill landed inside a job: the process died with its job row still marked running. */
export function jobLeftRunning(projectDir: string): boolean {
  const db = new Database(path.join(projectDir, 'project.db'), { readonly: true });
  try {
    const n = (
      db.prepare("SELECT count(*) AS n FROM jobs WHERE state IN ('running', 'queued')").get() as { n: number }
    ).n;
    return n > 0;
  } finally {
    db.close();
  }
}

/** SHA-256 of a bundle: of the archive's bytes, or of every file's path and bytes in a folder. */
export function bundleHash(p: string): string {
  const h = crypto.createHash('sha256');
  const walk = (rel: string) => {
    for (const e of fs
      .readdirSync(path.join(p, rel), { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else h.update(`${r}\0`).update(fs.readFileSync(path.join(p, r)));
    }
  };
  if (fs.statSync(p).isDirectory()) walk('');
  else h.update(fs.readFileSync(p));
  return h.digest('hex');
}

/** Files a writer leaves while it works (export's `.OUT.medprep-*` folders, the cache's `*.tmp-*`). */
export function tempLeftovers(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (/\.medprep-|\.tmp-/u.test(e.name)) out.push(p);
      else if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}
