import path from 'node:path';
import { parseArgs } from 'node:util';
import { IMPORT_FORMATS, type ImportFormat } from '../api/contract.ts';
import { errorLine } from '../engine/errors.ts';
import { appVersion } from '../engine/app-root.ts';
import { Engine } from '../engine/index.ts';
import { curateCommand } from './commands/curate.ts';
import { deidTextCommand } from './commands/deid-text.ts';
import { deidCommand } from './commands/deid.ts';
import { evalDeidCommand } from './commands/eval-deid.ts';
import { evalLabelerCommand } from './commands/eval-labeler.ts';
import { modelsCommand } from './commands/models.ts';
import { patientsCommand } from './commands/patients.ts';
import {
  EXIT_INTERRUPTED,
  UsageError,
  followJob,
  handleSigint,
  onInterrupt,
  plural,
  print,
  wasInterrupted,
  withProject,
  type CliOption,
  type Command,
  type CommandContext,
  type Io,
} from './shared.ts';
import { jobsCommand } from './commands/jobs.ts';
import { exportCommand } from './commands/export.ts';
import { leaksCommand } from './commands/leaks.ts';
import { runAll } from './commands/run.ts';
import { sftCommand } from './commands/sft.ts';
import { verifyCommand } from './commands/verify.ts';

// The `medprep` command table is a stable interface for scripts: exit 0 on success, 1 with a one-line error on
// stderr for a failure, 2 for bad usage, 130 when Ctrl-C stopped it. Every command takes --json for one JSON
// document on stdout, --progress json for job events on stderr, and --help.

const COMMANDS: Record<string, Command> = {
  init: {
    usage: 'init PROJECT [--name NAME]',
    summary: 'create a project folder',
    positionals: [1, 1],
    options: { name: { type: 'string', help: "the project's display name (default: the folder's name)" } },
    run: init,
  },
  import: {
    usage: `import PROJECT SOURCE [--format ${IMPORT_FORMATS.join('|')}]`,
    summary: 'import a source folder or file into a project',
    positionals: [2, 2],
    options: {
      format: {
        type: 'string',
        default: 'auto',
        help: `the source's layout: ${IMPORT_FORMATS.join(', ')} (default auto: detected)`,
      },
    },
    run: importCommand,
  },
  deid: {
    usage: 'deid PROJECT [--export-linkage FILE]',
    summary: 'de-identify headers, pixels and reports (or write the linkage map, on request only)',
    positionals: [1, 1],
    options: {
      'export-linkage': {
        type: 'string',
        help: 'write the original-to-pseudonym linkage map to FILE (sensitive; only on request)',
      },
    },
    run: deidCommand,
  },
  'deid-text': {
    usage: 'deid-text [FILE|-] [--mode tags|surrogates] [--model ID]',
    summary: 'de-identify report text (with --model: an installed NER model too)',
    positionals: [0, 1],
    options: {
      mode: {
        type: 'string',
        default: 'tags',
        help: 'tags ([NAME], [DATE]) or surrogates (invented values)',
      },
      model: { type: 'string', help: 'also run this installed name-recognition model' },
    },
    run: deidTextCommand,
  },
  'eval-deid': {
    usage: 'eval-deid GOLD [--format jsonl|physionet] [--show-misses]',
    summary: 'measure text de-identification recall',
    positionals: [1, 1],
    options: {
      format: { type: 'string', help: 'jsonl (MedPrep gold, default) or physionet (a deid 1.1 folder)' },
      'show-misses': { type: 'boolean', help: 'list the identifiers the engine missed' },
    },
    run: evalDeidCommand,
  },
  'eval-labeler': {
    usage: 'eval-labeler [GOLD.tsv] [--show-errors]',
    summary: 'measure the report labeler (per-observation F1 on a gold set)',
    positionals: [0, 1],
    options: { 'show-errors': { type: 'boolean', help: 'list the sentences the labeler got wrong' } },
    run: evalLabelerCommand,
  },
  curate: curateCommand,
  sft: {
    usage: 'sft PROJECT [--recipe FILE]',
    summary: 'generate instruction–response samples',
    positionals: [1, 1],
    options: {
      recipe: { type: 'string', help: "an SFT recipe YAML (keys left out take the default recipe's)" },
    },
    run: sftCommand,
  },
  export: {
    usage:
      'export PROJECT OUT [--format llava|sharegpt|messages|parquet|webdataset] [--images png|jpeg|dicom] [--max-side N] [--archive tar|zip] [--shard-mb N]',
    summary: 'write a verified training bundle',
    positionals: [2, 2],
    options: {
      format: { type: 'string', help: 'the bundle layout (default llava)' },
      images: { type: 'string', help: 'png (default), jpeg or dicom (de-identified DICOM)' },
      'max-side': { type: 'string', help: 'longest side of rendered images in pixels (default 512)' },
      archive: { type: 'string', help: 'write one .tar or .zip file at OUT instead of a folder' },
      'shard-mb': {
        type: 'string',
        help: 'size cap of a Parquet or WebDataset shard in MB (default 500)',
      },
    },
    run: exportCommand,
  },
  leaks: leaksCommand,
  verify: {
    usage: 'verify BUNDLE [--project DIR] [--ocr]',
    summary:
      'check a bundle: checksums, schemas, splits, leak scan (--ocr: every image read for burned-in text)',
    positionals: [1, 1],
    options: {
      project: {
        type: 'string',
        help: 'also check the bundle against this project (leak scan of its identifiers)',
      },
      ocr: { type: 'boolean', help: 'also read every image of the bundle by OCR for identifier text' },
    },
    run: verifyCommand,
  },
  stats: {
    usage: 'stats PROJECT',
    summary: 'counts of patients, studies, images, reports and errors',
    positionals: [1, 1],
    run: stats,
  },
  models: modelsCommand,
  patients: patientsCommand,
  jobs: jobsCommand,
  serve: {
    usage: 'serve [PROJECT] [--port N]',
    summary: 'browser mode on 127.0.0.1 with a session token',
    positionals: [0, 1],
    options: {
      port: { type: 'string', default: '0', help: 'the loopback port (default 0: any free one)' },
    },
    run: serve,
  },
  run: {
    usage: 'run SOURCE OUT [--project DIR] [--recipe FILE]',
    summary: 'all stages with defaults, from a source to a bundle',
    positionals: [2, 2],
    options: {
      project: { type: 'string', help: 'the project folder (default OUT/project)' },
      recipe: { type: 'string', help: 'an SFT recipe YAML' },
    },
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
    'Every command takes --json for one machine-readable JSON document on stdout, --progress json for job',
    'events as JSON lines on stderr, and --help for its options. medprep -V prints the version.',
    'Exit codes: 0 success, 1 failure (one line on stderr), 2 bad usage, 130 stopped by Ctrl-C.',
  ].join('\n');
}

/** Options every command takes. */
const COMMON_OPTIONS: Record<string, CliOption> = {
  json: { type: 'boolean', help: 'print one machine-readable JSON document on stdout' },
  progress: {
    type: 'string',
    help: 'json: every event of a long job as one JSON line on stderr ({"type":"job", state, done, total, …})',
  },
  help: { type: 'boolean', short: 'h', help: 'print this help' },
};

/** `medprep COMMAND --help`: its usage, what it does, and every option with one line. */
export function commandHelp(name: string, command: Command): string {
  const options = Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([key, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${key}${o.type === 'string' ? ' VALUE' : ''}`;
    return [flag, o.help] as const;
  });
  const width = Math.max(...options.map(([flag]) => flag.length));
  return [
    `Usage: medprep ${command.usage}`,
    '',
    `${name}: ${command.summary}.`,
    '',
    'Options:',
    ...options.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`),
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
  if (name === '--version' || name === '-V') {
    io.stdout.write(appVersion() + '\n');
    return 0;
  }
  const command = COMMANDS[name];
  const stopHandling = handleSigint();
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    const { values, positionals } = parse(command, rest);
    if (values.help === true) {
      io.stdout.write(commandHelp(name, command) + '\n');
      return 0;
    }
    if (values.progress !== undefined && values.progress !== 'json')
      throw new UsageError('--progress takes one value: json');
    const [min, max] = command.positionals;
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(
        `expected ${min === max ? min : `${min} to ${max}`} argument(s): medprep ${command.usage}`,
      );
    }
    await command.run({
      args: positionals,
      values,
      json: values.json === true,
      progressJson: values.progress === 'json',
      io,
    });
    return wasInterrupted() ? EXIT_INTERRUPTED : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`medprep: ${err.message}\n\n${usage()}\n`);
      return 2;
    }
    io.stderr.write(`medprep ${name}: ${errorLine(err)}\n`);
    return wasInterrupted() ? EXIT_INTERRUPTED : 1;
  } finally {
    stopHandling();
  }
}

function parse(command: Command, rest: string[]) {
  const options = Object.fromEntries(
    Object.entries({ ...COMMON_OPTIONS, ...command.options }).map(([key, { help: _help, ...o }]) => {
      void _help;
      return [key, o];
    }),
  );
  try {
    const parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
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
  // The engine in its own process, as in the desktop app: no store access or index build delays a request.
  const { EngineClient, forkEngine } = await import('../engine/process/client.ts');
  const engine = await EngineClient.start(forkEngine(), { engine: {} });
  if (ctx.args[0]) await engine.invoke('project.open', { dir: ctx.args[0] });
  const server = await startServer(engine, { port, rendererDir: path.join(appRoot(), 'dist', 'renderer') });
  print(
    ctx,
    { url: server.url, port: server.port },
    `MedPrep browser mode (loopback only). Open this address in a browser on this machine:\n  ${server.url}\nPress Ctrl-C to stop.`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    onInterrupt(stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await engine.close();
}
