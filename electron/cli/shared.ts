import type { ParseArgsConfig } from 'node:util';
import type { JobInfo } from '../api/contract.ts';
import { Engine } from '../engine/index.ts';
import { ProgressLine } from './progress.ts';

// What every command shares: its context, output helpers, and running a job with a progress bar.

export class UsageError extends Error {}

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** One option of a command: node:util parseArgs' description of it, and one line for `--help`. */
export type CliOption = NonNullable<ParseArgsConfig['options']>[string] & { help: string };

export interface Command {
  usage: string;
  summary: string;
  /** Positional arguments: [required, max]. */
  positionals: [number, number];
  options?: Record<string, CliOption>;
  run: (ctx: CommandContext) => Promise<void>;
}

export interface CommandContext {
  args: string[];
  values: Record<string, string | boolean | undefined>;
  json: boolean;
  /** `--progress json`: every job event as one JSON line on stderr, for scripts that drive long jobs. */
  progressJson: boolean;
  io: Io;
}

/** The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

// Ctrl-C for the whole command line: the first one asks whatever runs (a job, the server) to stop, so what
// it finished is committed and the command exits 130; with nothing to stop, or a second time, it exits at once.
let interrupted = false;
const stoppers = new Set<() => void>();

export function onInterrupt(stop: () => void): () => void {
  stoppers.add(stop);
  return () => stoppers.delete(stop);
}

export function wasInterrupted(): boolean {
  return interrupted;
}

export function handleSigint(): () => void {
  const handler = () => {
    if (interrupted || stoppers.size === 0) process.exit(EXIT_INTERRUPTED);
    interrupted = true;
    for (const stop of stoppers) stop();
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function print(ctx: CommandContext, doc: unknown, human: string): void {
  ctx.io.stdout.write(ctx.json ? JSON.stringify(doc) + '\n' : human + '\n');
}

export async function withProject<T>(
  dir: string,
  body: (engine: Engine) => Promise<T>,
  stderr: Pick<NodeJS.WritableStream, 'write'> = process.stderr,
): Promise<T> {
  const engine = new Engine();
  try {
    const info = await engine.invoke('project.open', { dir });
    for (const notice of info.notices ?? []) stderr.write(`medprep: ${notice}\n`);
    return await body(engine);
  } finally {
    await engine.close();
  }
}

/**
 * Runs a job to its end, drawing progress on a terminal (or, with --progress json, writing each event as a
 * JSON line on stderr); Ctrl-C cancels it (what is committed stays).
 */
export async function followJob(
  engine: Engine,
  job: JobInfo,
  ctx: CommandContext,
  label: string,
): Promise<JobInfo> {
  const bar =
    !ctx.json && !ctx.progressJson && ctx.io.stderr.isTTY ? new ProgressLine(ctx.io.stderr, label) : null;
  const report = (j: JobInfo) => {
    if (ctx.progressJson) ctx.io.stderr.write(JSON.stringify({ type: 'job', ...j }) + '\n');
    else bar?.update(j);
  };
  // The job's end is always an event (JobManager emits it before `wait` resolves), so the last line is final.
  report(job);
  const off = engine.on('job.updated', (j) => {
    if (j.id === job.id) report(j);
  });
  const offInterrupt = onInterrupt(() => void engine.invoke('jobs.cancel', { id: job.id }));
  try {
    return await engine.waitForJob(job.id);
  } finally {
    offInterrupt();
    off();
    bar?.end();
  }
}
