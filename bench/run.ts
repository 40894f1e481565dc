/**
 * Runs the benchmarks: every bench/<name>.ts exporting `run(opts)`, or those named.
 *
 *   npm run bench                       # all
 *   npm run bench -- import models      # some; flags after the names go to every benchmark (--files 8)
 *   npm run bench -- --quick            # a smoke run: every benchmark at its smallest size, in a minute or two
 *
 * Writes bench/results.json (merged per benchmark name, with the machine's facts) and bench/results.md; a
 * quick run writes bench/results.quick.json and .md instead, so smoke figures never mix with real ones.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatFigures, round, type BenchModule, type BenchResult } from './lib/types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  date: string;
}

interface Stored extends BenchResult {
  machine: Machine;
}

/**
 * The smallest size of each benchmark, for `--quick`. Flags the user gives come after, so they win; a
 * benchmark without an entry gets `--quick` itself and may read it.
 */
export const QUICK_FLAGS: Record<string, string[]> = {
  import: ['--files', '2', '--runs', '1'],
  'deid-text': ['--runs', '1'],
  curate: ['--samples', '20000'],
  models: ['--items', '8'],
  'burned-text': ['--images', '4', '--clean', '2'],
};

/** The flags one benchmark runs with. */
export function flagsFor(name: string, flags: string[]): string[] {
  if (!flags.includes('--quick')) return flags;
  return [...(QUICK_FLAGS[name] ?? []), ...flags];
}

/** Benchmarks by file name: adding bench/<name>.ts with a `run` export needs no edit here. */
export function discover(dir = here): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'run.ts')
    .map((f) => f.slice(0, -3))
    .sort();
}

function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

export function markdown(results: Stored[]): string {
  const out = ['# Benchmark results', ''];
  for (const r of results) {
    const m = r.machine;
    out.push(
      `## ${r.name}`,
      '',
      `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}, ${m.date.slice(0, 10)}`,
      '',
      '| Figure | Value | Baseline (same run) | Ratio |',
      '| --- | --- | --- | --- |',
    );
    for (const f of r.figures) {
      const base = f.baseline ? `${f.baseline.label}: ${round(f.baseline.value)} ${f.unit}` : '';
      const ratio = f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`;
      out.push(`| ${f.label} | ${round(f.value)} ${f.unit} | ${base} | ${ratio} |`);
    }
    if (r.notes?.length) out.push('', ...r.notes.map((n) => `- ${n}`));
    out.push('');
  }
  return out.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const available = discover();
  const firstFlag = argv.findIndex((a) => a.startsWith('-'));
  const names = firstFlag === -1 ? argv : argv.slice(0, firstFlag);
  const flags = firstFlag === -1 ? [] : argv.slice(firstFlag);
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')} (have ${available.join(', ')})\n`);
    return 2;
  }
  const quick = flags.includes('--quick');
  const jsonPath = path.join(here, quick ? 'results.quick.json' : 'results.json');
  const mdPath = path.join(here, quick ? 'results.quick.md' : 'results.md');
  const stored: Record<string, Stored> = existsSync(jsonPath)
    ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as Record<string, Stored>)
    : {};
  const facts = machine();
  let failed = 0;
  for (const name of names.length > 0 ? names : available) {
    const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as Partial<BenchModule>;
    if (typeof mod.run !== 'function') {
      process.stderr.write(`bench: ${name}.ts exports no run(); skipped\n`);
      continue;
    }
    process.stderr.write(`bench: running ${name}…\n`);
    try {
      const result = await mod.run({ argv: flagsFor(name, flags) });
      stored[result.name] = { ...result, machine: facts };
      process.stdout.write(`${formatFigures(result)}\n\n`);
      // Written after every benchmark so a later failure keeps the earlier results.
      writeFileSync(jsonPath, `${JSON.stringify(stored, null, 2)}\n`);
      writeFileSync(mdPath, markdown(Object.values(stored)));
    } catch (err) {
      failed++;
      process.stderr.write(`bench: ${name} failed: ${(err as Error).stack ?? String(err)}\n`);
    }
  }
  process.stdout.write(
    `Results in ${path.relative(process.cwd(), jsonPath)} and ${path.relative(process.cwd(), mdPath)}\n`,
  );
  return failed > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
