/**
 * Import speed on MIMIC-CXR-size radiographs (issue 3): files/s, MB/s and peak RSS for decode + render +
 * 512-px training PNG + 256-px thumbnail + hashes, side by side with the baselines, measured in the same run.
 *
 *   node bench/import.ts [--files 16] [--runs 3]      (or npm run bench -- import --files 16)
 *
 * Contenders, each a child process under /usr/bin/time -v (wall time and peak RSS), interleaved per round
 * and reported as medians:
 * - ours: bench/lib/pipeline.ts, processDicomFile in a WorkerPool of defaultWorkerCount() threads;
 * - `medprep import` end to end (CLI: walk, workers, SQLite; thumbnails, no training rendering);
 * - Python as researchers write it (bench/baselines/pydicom_pipeline.py): one process, and Pool(2);
 * - dcmtk's dcmj2pnm, one scaled windowed PNG per file, two processes at once (xargs -P 2).
 * The input files are generated once (bench/lib/make_mimic_dicoms.py) into the OS temp folder and reused.
 *
 * Every contender gets the same two cores. In each round each also runs on the first K = N/4 files (at least
 * 2, enough to start as many workers as the full run), so CPU per file at scale, start-up taken out, is
 * the median over rounds of (CPU for N files - CPU for K files) / (N - K). An untimed run first warms the
 * page cache and, after a code change, Node's compile cache. Wall-clock rates follow the machine's load; CPU
 * per file does not, and the "at scale, CPU-bound" ratios compare what each contender's cores can do.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultWorkerCount } from '../electron/engine/jobs/worker-pool.ts';
import {
  formatFigures,
  isMain,
  median,
  type BenchOptions,
  type BenchResult,
  type Figure,
} from './lib/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3';
const TIME = '/usr/bin/time';
const CLI = path.join(root, 'electron', 'cli', 'bin.js');

export interface Measured {
  seconds: number;
  peakRssMiB: number;
  /** User + system CPU seconds of the process and its children: work done, whatever the machine's load. */
  cpuSeconds: number;
}

interface Contender {
  key: string;
  label: string;
  /** Fresh output folder, the input files (and a folder holding exactly them) → argv of the command. */
  command: (out: string, files: string[], sourceDir: string) => string[];
  /** Cores the contender keeps busy when it has the machine to itself. */
  cores: number;
  /** Untimed set-up in the fresh output folder (creating a project). */
  prepare?: (out: string, files: string[]) => void;
}

function check(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** The generated input files, made on first use (deterministic, about 15.5 MB each). */
export function inputFiles(count: number): string[] {
  const dir = path.join(os.tmpdir(), 'medprep-bench', 'mimic-3056x2544');
  check(
    PYTHON,
    [path.join(root, 'bench', 'lib', 'make_mimic_dicoms.py'), dir, String(count)],
    'generating DICOMs',
  );
  return readdirSync(dir)
    .filter((f) => /^cxr\d{4}\.dcm$/.test(f))
    .sort()
    .slice(0, count)
    .map((f) => path.join(dir, f));
}

/**
 * A command under GNU time: wall seconds, CPU and peak RSS. A non-zero exit throws unless `mayFail`, which
 * returns it with the end of stderr (a stage that refuses is a result too).
 */
export function timed(argv: string[], mayFail = false): Measured & { status: number; stderrTail: string } {
  const start = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-v', ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.error) throw new Error(`${argv[0]}: ${r.error.message}`);
  if (r.status !== 0 && !mayFail)
    throw new Error(`${argv.join(' ').slice(0, 200)} exited with ${r.status}: ${r.stderr.slice(-2000)}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const cpu = (what: string) =>
    Number(new RegExp(`${what} time \\(seconds\\): ([\\d.]+)`).exec(r.stderr)?.[1] ?? NaN);
  const own = (r.stderr.split('\tCommand being timed:')[0] ?? '').replace(/^Command exited with .*$/mu, '');
  return {
    seconds,
    peakRssMiB: rss ? Number(rss[1]) / 1024 : NaN,
    cpuSeconds: cpu('User') + cpu('System'),
    status: r.status ?? -1,
    stderrTail: own.trim().split('\n').slice(-2).join(' ').slice(0, 300),
  };
}

function contenders(): Contender[] {
  const node = process.execPath;
  const python = path.join(root, 'bench', 'baselines', 'pydicom_pipeline.py');
  const cores = Math.min(2, os.availableParallelism());
  return [
    {
      key: 'ours',
      label: 'MedPrep pipeline',
      cores,
      command: (out, files) => [node, path.join(root, 'bench', 'lib', 'pipeline.ts'), out, ...files],
    },
    {
      key: 'cli',
      label: 'medprep import (CLI)',
      cores,
      prepare: (out) => check(node, [CLI, 'init', path.join(out, 'project')], 'medprep init'),
      command: (out, _files, sourceDir) => [
        node,
        CLI,
        'import',
        path.join(out, 'project'),
        sourceDir,
        '--format',
        'dicom',
        '--json',
      ],
    },
    {
      key: 'python',
      label: 'Python (1 process)',
      cores: 1,
      command: (out, files) => [PYTHON, python, out, ...files],
    },
    {
      key: 'python2',
      label: 'Python Pool(2)',
      cores,
      command: (out, files) => [PYTHON, python, out, '--processes', String(cores), ...files],
    },
    {
      key: 'dcmtk',
      label: 'dcmtk dcmj2pnm -P 2',
      cores,
      prepare: (out, files) =>
        writeFileSync(
          path.join(out, 'list'),
          files.map((f) => `${f}\n${path.join(out, path.basename(f, '.dcm'))}.png\n`).join(''),
        ),
      // The generated images are portrait: scale the height to 512 (+Syv), with the file's first window.
      command: (out) => [
        'xargs',
        '-a',
        path.join(out, 'list'),
        '-d',
        '\n',
        '-n',
        '2',
        '-P',
        String(cores),
        'dcmj2pnm',
        '+on',
        '+Syv',
        '512',
        '+Wi',
        '1',
      ],
    },
  ];
}

/** A folder of symbolic links to exactly these files, for the CLI, which imports a whole folder. */
function folderOf(files: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'medprep-bench-src-'));
  for (const f of files) spawnSync('ln', ['-s', f, path.join(dir, path.basename(f))]);
  return dir;
}

function measure(c: Contender, scratch: string, name: string, files: string[], sourceDir: string): Measured {
  const out = path.join(scratch, name);
  mkdirSync(out, { recursive: true });
  c.prepare?.(out, files);
  try {
    return timed(c.command(out, files, sourceDir));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export async function run(opts: BenchOptions = { argv: [] }): Promise<BenchResult> {
  const { values } = parseArgs({
    args: opts.argv,
    options: { files: { type: 'string', default: '16' }, runs: { type: 'string', default: '3' } },
    strict: false,
  });
  const count = Number(values.files);
  const runs = Number(values.runs);
  const files = inputFiles(count);
  if (files.length < count) throw new Error(`expected ${count} input files, found ${files.length}`);
  const cliSource = folderOf(files);
  const few = Math.max(2, Math.floor(count / 4));
  if (count <= few) throw new Error(`--files must be more than ${few}`);
  const fewSource = folderOf(files.slice(0, few));
  const megabytes = files.reduce((n, f) => n + statSync(f).size, 0) / 1e6;
  // Read once so every contender starts with the files in the page cache.
  for (const f of files) readFileSync(f);

  const list = contenders();
  const samples = new Map<string, Measured[]>(list.map((c) => [c.key, []]));
  const fewSamples = new Map<string, Measured[]>(list.map((c) => [c.key, []])); // runs on the first `few`
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'medprep-bench-out-'));
  const fewRun = (c: Contender, name: string) =>
    measure(c, scratch, `${c.key}-${name}`, files.slice(0, few), fewSource);
  try {
    // Untimed: fills the page cache and, after a code change, Node's compile cache.
    for (const c of list) fewRun(c, 'warm-up');
    for (let round = 0; round < runs; round++) {
      for (const c of list) {
        fewSamples.get(c.key)!.push(fewRun(c, `few-${round}`));
        const m = measure(c, scratch, `${c.key}-${round}`, files, cliSource);
        samples.get(c.key)!.push(m);
        process.stderr.write(
          `  round ${round + 1}/${runs} ${c.label}: ${(count / m.seconds).toFixed(2)} files/s, ` +
            `${((m.cpuSeconds / count) * 1000).toFixed(0)} ms CPU/file\n`,
        );
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(cliSource, { recursive: true, force: true });
    rmSync(fewSource, { recursive: true, force: true });
  }

  const rate = (key: string) => median(samples.get(key)!.map((m) => count / m.seconds));
  const rss = (key: string) => median(samples.get(key)!.map((m) => m.peakRssMiB));
  const cpuPerFile = (key: string) => (median(samples.get(key)!.map((m) => m.cpuSeconds)) / count) * 1000;
  const labelOf = (key: string) => list.find((c) => c.key === key)!.label;
  // Ratios are the median of the per-round ratios: each round runs every contender back to back, so a
  // ratio within a round shares the machine's load at that moment (others use the same cores).
  const ratio = (key: string, base: string, of: (m: Measured) => number) => {
    const a = samples.get(key)!;
    const b = samples.get(base)!;
    return median(a.map((m, i) => of(m) / of(b[i]!)));
  };
  const speed = (m: Measured) => count / m.seconds;
  const vs = (label: string, key: string, base: string, unit = 'files/s', scale = 1): Figure => ({
    label,
    value: rate(key) * scale,
    unit,
    baseline: { label: labelOf(base), value: rate(base) * scale },
    ratio: ratio(key, base, speed),
  });
  const mbPerFile = megabytes / count;
  // CPU per file at scale: per round, the start-up both runs share taken out; the median over rounds.
  const atScale = (key: string) =>
    median(
      samples
        .get(key)!
        .map((m, i) => ((m.cpuSeconds - fewSamples.get(key)![i]!.cpuSeconds) / (count - few)) * 1000),
    );
  const startupMs = (key: string) =>
    median(fewSamples.get(key)!.map((m) => m.cpuSeconds)) * 1000 - atScale(key) * few;
  // What each contender's cores get through when CPU-bound: cores / CPU per file.
  const ceiling = (key: string) => (list.find((c) => c.key === key)!.cores * 1000) / atScale(key);
  const cpuFigure = (key: string, base: string): Figure => ({
    label: `${labelOf(key)} CPU per file (lower is better)`,
    value: cpuPerFile(key),
    unit: 'ms',
    baseline: { label: labelOf(base), value: cpuPerFile(base) },
    ratio: ratio(key, base, (m) => m.cpuSeconds),
  });
  const target = (label: string, base: string, wanted: number): Figure[] => {
    const measured = ratio('ours', base, speed);
    const cpuBound = ceiling('ours') / ceiling(base);
    const verdict = (r: number) => (r >= wanted ? 'met' : 'not met');
    return [
      {
        label: `TARGET ≥ ${wanted}× ${label}, measured files/s (${verdict(measured)})`,
        value: measured,
        unit: '×',
      },
      {
        label: `TARGET ≥ ${wanted}× ${label}, at scale CPU-bound on ${list[0]!.cores} cores (${verdict(cpuBound)})`,
        value: cpuBound,
        unit: '×',
      },
    ];
  };
  const figures: Figure[] = [
    vs('MedPrep pipeline vs Python, 1 process', 'ours', 'python'),
    vs('MedPrep pipeline vs Python, Pool(2)', 'ours', 'python2'),
    vs('MedPrep pipeline vs dcmtk, 2 processes', 'ours', 'dcmtk'),
    vs('MedPrep pipeline, input MB/s', 'ours', 'python', 'MB/s', mbPerFile),
    vs('medprep import (CLI, end to end) vs Python, 1 process', 'cli', 'python'),
    ...(['ours', 'cli'] as const).map((key): Figure => ({
      label: `${labelOf(key)} peak RSS (lower is better)`,
      value: rss(key),
      unit: 'MiB',
      baseline: { label: labelOf('python2'), value: rss('python2') },
      ratio: rss(key) / rss('python2'),
    })),
    cpuFigure('ours', 'python'),
    cpuFigure('ours', 'python2'),
    cpuFigure('ours', 'dcmtk'),
    cpuFigure('cli', 'python'),
    ...list.map((c): Figure => ({
      label: `${c.label} CPU per file at scale (start-up ${Math.max(0, startupMs(c.key)).toFixed(0)} ms taken out)`,
      value: atScale(c.key),
      unit: 'ms',
    })),
    ...target('Python (1 process)', 'python', 3),
    ...target('dcmtk', 'dcmtk', 1),
    { label: 'Python (1 process) peak RSS', value: rss('python'), unit: 'MiB' },
    { label: 'dcmtk peak RSS (largest process)', value: rss('dcmtk'), unit: 'MiB' },
  ];
  return {
    name: 'import',
    figures,
    notes: [
      `${count} generated files, 3056×2544 12-bit in 16, ${megabytes.toFixed(0)} MB; medians of ${runs} runs (ratios: median of the per-round ratios), wall time of the whole process (start-up included), files in the page cache`,
      `MedPrep pipeline = processDicomFile (decode, render, pixel hash, phash, 512-px training PNG, 256-px thumbnail) in a WorkerPool of ${defaultWorkerCount()} worker threads; the CLI import also walks the folder and writes SQLite, and renders thumbnails only`,
      'Python does the same with pydicom + numpy + Pillow (LANCZOS): SHA-256 of the 2-byte stored samples (ours hashes the canonical int32 form, twice the bytes), gray PNGs (our training PNG is RGB), a pHash; dcmtk writes one 512-px windowed PNG per file, no thumbnail, no hash, and pays a process start per file',
      'at scale, CPU-bound: cores / CPU per file at scale, each contender on the cores it can use (Python 1 process: 1; the others: 2); the ratio a quiet machine converges to on a large import',
      'peak RSS: /usr/bin/time -v maximum resident set size; for Pool(2) and xargs it is the largest single process, not the sum',
    ],
  };
}

if (isMain(import.meta.url))
  process.stdout.write(`${formatFigures(await run({ argv: process.argv.slice(2) }))}\n`);
