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

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  usage: string;
  summary: string;
  /** Positional arguments: [required, max]. */
  positionals: [number, number];
  options?: Options;
  run: (ctx: CommandContext) => Promise<void>;
}

export interface CommandContext {
  args: string[];
  values: Record<string, string | boolean | undefined>;
  json: boolean;
  io: Io;
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

/** Runs a job to its end, drawing progress on a terminal; Ctrl-C cancels it (what is committed stays). */
export async function followJob(
  engine: Engine,
  job: JobInfo,
  ctx: CommandContext,
  label: string,
): Promise<JobInfo> {
  const bar = !ctx.json && ctx.io.stderr.isTTY ? new ProgressLine(ctx.io.stderr, label) : null;
  const off = engine.on('job.updated', (j) => {
    if (j.id === job.id) bar?.update(j);
  });
  const onSigint = () => {
    void engine.invoke('jobs.cancel', { id: job.id });
  };
  process.once('SIGINT', onSigint);
  try {
    return await engine.waitForJob(job.id);
  } finally {
    process.off('SIGINT', onSigint);
    off();
    bar?.end();
  }
}
