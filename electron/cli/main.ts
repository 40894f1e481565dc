import path from 'node:path';
import { parseArgs } from 'node:util';
import { IMPORT_FORMATS, type ImportFormat } from '../api/contract.ts';
import { errorLine } from '../engine/errors.ts';
import { Engine } from '../engine/index.ts';
import { curateCommand } from './commands/curate.ts';
import { deidTextCommand } from './commands/deid-text.ts';
import { deidCommand } from './commands/deid.ts';
import { evalDeidCommand } from './commands/eval-deid.ts';
import { modelsCommand } from './commands/models.ts';
import {
  UsageError,
  followJob,
  plural,
  print,
  withProject,
  type Command,
  type CommandContext,
  type Io,
} from './shared.ts';
import { exportCommand } from './commands/export.ts';
import { runAll } from './commands/run.ts';
import { sftCommand } from './commands/sft.ts';
import { verifyCommand } from './commands/verify.ts';

// The `medprep` command table is a stable interface for scripts: exit 0 on success, 1 with a one-line error on
// stderr for a failure, 2 for bad usage. Every command takes --json for one JSON document on stdout.

const COMMANDS: Record<string, Command> = {
  init: {
    usage: 'init PROJECT [--name NAME]',
    summary: 'create a project folder',
    positionals: [1, 1],
    options: { name: { type: 'string' } },
    run: init,
  },
  import: {
    usage: `import PROJECT SOURCE [--format ${IMPORT_FORMATS.join('|')}]`,
    summary: 'import a source folder or file into a project',
    positionals: [2, 2],
    options: { format: { type: 'string', default: 'auto' } },
    run: importCommand,
  },
  deid: {
    usage: 'deid PROJECT [--export-linkage FILE]',
    summary: 'de-identify headers, pixels and reports (or write the linkage map, on request only)',
    positionals: [1, 1],
    options: { 'export-linkage': { type: 'string' } },
    run: deidCommand,
  },
  'deid-text': {
    usage: 'deid-text [FILE|-] [--mode tags|surrogates] [--model ID]',
    summary: 'de-identify report text (with --model: an installed NER model too)',
    positionals: [0, 1],
    options: { mode: { type: 'string', default: 'tags' }, model: { type: 'string' } },
    run: deidTextCommand,
  },
  'eval-deid': {
    usage: 'eval-deid GOLD.jsonl [--show-misses]',
    summary: 'measure text de-identification recall',
    positionals: [1, 1],
    options: { 'show-misses': { type: 'boolean' } },
    run: evalDeidCommand,
  },
  curate: curateCommand,
  sft: {
    usage: 'sft PROJECT [--recipe FILE]',
    summary: 'generate instruction–response samples',
    positionals: [1, 1],
    options: { recipe: { type: 'string' } },
    run: sftCommand,
  },
  export: {
    usage:
      'export PROJECT OUT [--format llava|sharegpt|messages|parquet|webdataset] [--images png|jpeg|dicom] [--max-side N] [--archive tar|zip]',
    summary: 'write a verified training bundle',
    positionals: [2, 2],
    options: {
      format: { type: 'string' },
      images: { type: 'string' },
      'max-side': { type: 'string' },
      archive: { type: 'string' },
    },
    run: exportCommand,
  },
  verify: {
    usage: 'verify BUNDLE [--project DIR] [--ocr]',
    summary:
      'check a bundle: checksums, schemas, splits, leak scan (--ocr: every image read for burned-in text)',
    positionals: [1, 1],
    options: { project: { type: 'string' }, ocr: { type: 'boolean' } },
    run: verifyCommand,
  },
  stats: {
    usage: 'stats PROJECT',
    summary: 'counts of patients, studies, images, reports and errors',
    positionals: [1, 1],
    run: stats,
  },
  models: modelsCommand,
  serve: {
    usage: 'serve [PROJECT] [--port N]',
    summary: 'browser mode on 127.0.0.1 with a session token',
    positionals: [0, 1],
    options: { port: { type: 'string', default: '0' } },
    run: serve,
  },
  run: {
    usage: 'run SOURCE OUT [--project DIR] [--recipe FILE]',
    summary: 'all stages with defaults, from a source to a bundle',
    positionals: [2, 2],
    options: { project: { type: 'string' }, recipe: { type: 'string' } },
    run: runAll,
  },
};

export function usage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  const lines = Object.values(COMMANDS).map((c) => `  medprep ${c.usage.padEnd(width)}  ${c.summary}`);
  return [
    'Usage:',
    ...lines,
    '',
    'Every command takes --json for one machine-readable JSON document on stdout.',
  ].join('\n');
}

/** Runs one command line; returns the exit code. */
export async function main(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    const engine = new Engine();
    io.stdout.write((await engine.invoke('app.info', {})).version + '\n');
    return 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    const { values, positionals } = parse(command, rest);
    const [min, max] = command.positionals;
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(
        `expected ${min === max ? min : `${min} to ${max}`} argument(s): medprep ${command.usage}`,
      );
    }
    await command.run({ args: positionals, values, json: values.json === true, io });
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`medprep: ${err.message}\n\n${usage()}\n`);
      return 2;
    }
    io.stderr.write(`medprep ${name}: ${errorLine(err)}\n`);
    return 1;
  }
}

function parse(command: Command, rest: string[]) {
  try {
    const parsed = parseArgs({
      args: rest,
      options: { json: { type: 'boolean' }, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    return {
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0]! : String(err));
  }
}

async function init(ctx: CommandContext): Promise<void> {
  const engine = new Engine();
  try {
    const name = typeof ctx.values.name === 'string' ? ctx.values.name : undefined;
    const info = await engine.invoke('project.create', { dir: ctx.args[0]!, ...(name ? { name } : {}) });
    print(ctx, { project: info }, `Created project "${info.name}" in ${info.dir}`);
  } finally {
    await engine.close();
  }
}

function formatOption(v: string | boolean | undefined): ImportFormat {
  if (typeof v !== 'string' || !(IMPORT_FORMATS as readonly string[]).includes(v)) {
    throw new UsageError(`--format must be one of ${IMPORT_FORMATS.join(', ')}`);
  }
  return v as ImportFormat;
}

async function importCommand(ctx: CommandContext): Promise<void> {
  const [dir, source] = ctx.args as [string, string];
  const format = formatOption(ctx.values.format);
  await withProject(dir, async (engine) => {
    const started = await engine.invoke('import.start', { source, format });
    const job = await followJob(engine, started, ctx, 'import');
    if (job.state === 'failed') throw new Error(job.message);
    const summary = await engine.invoke('import.summary', { jobId: job.id });
    if (job.state === 'cancelled')
      throw new Error(`cancelled: ${summary.imported} images imported before the cancel are kept`);
    // Reasons with their counts, not paths: stdout often ends up in a log, and a folder may be named after a
    // patient. The paths are in `--json` and in the app, for the user who asks.
    const byReason = new Map<string, number>();
    for (const e of summary.errors) byReason.set(e.reason, (byReason.get(e.reason) ?? 0) + 1);
    const errorLines = [...byReason].slice(0, 20).map(([reason, n]) => `  ${n} × ${reason}`);
    if (byReason.size > 20) errorLines.push(`  … and ${byReason.size - 20} more reasons`);
    if (byReason.size > 0) errorLines.push('  (the files: medprep import … --json, or the app)');
    print(
      ctx,
      summary,
      [
        `Imported ${plural(summary.imported, 'image')} and ${plural(summary.reports, 'report')}; ` +
          `${plural(summary.skipped, 'file')} skipped, ${summary.unchanged} unchanged, ${plural(summary.errors.length, 'error')}.`,
        ...errorLines,
      ].join('\n'),
    );
  });
}

async function stats(ctx: CommandContext): Promise<void> {
  await withProject(ctx.args[0]!, async (engine) => {
    const s = await engine.invoke('project.stats', {});
    print(
      ctx,
      s,
      Object.entries(s)
        .map(([k, v]) => `${k.padEnd(9)} ${v}`)
        .join('\n'),
    );
  });
}

async function serve(ctx: CommandContext): Promise<void> {
  const port = Number(ctx.values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError('--port must be a number from 0 to 65535');
  const { startServer } = await import('../serve/server.ts');
  const { appRoot } = await import('../engine/app-root.ts');
  const engine = new Engine();
  if (ctx.args[0]) await engine.invoke('project.open', { dir: ctx.args[0] });
  const server = await startServer(engine, { port, rendererDir: path.join(appRoot(), 'dist', 'renderer') });
  print(
    ctx,
    { url: server.url, port: server.port },
    `MedPrep browser mode (loopback only). Open this address in a browser on this machine:\n  ${server.url}\nPress Ctrl-C to stop.`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await engine.close();
}
