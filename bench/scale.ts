/**
 * The scale benchmark (issue 14): the whole pipeline on generated MIMIC-style trees of two sizes, every
 * stage a `medprep` child under GNU time, and how each stage's wall time and peak RSS grow between them.
 *
 *   npm run bench -- scale [--images 10000,50000] [--measurement-mode] [--keep DIR]
 *
 * The tree comes from scripts/scale-data.ts (surnames by census frequency, the common ones ordinary words;
 * headers with 7 person names, 2 addresses and 10 IDs; MIMIC-style reports; 160-px pixels). Stages: init,
 * import, deid, curate, sft, export in every format plus `--archive tar` and `--archive zip`, then verify of
 * each bundle with the project's leak scan. Per stage and size: wall and CPU seconds, peak RSS (the child
 * with its worker threads), images/s; then the growth exponents log(b/a) / log(Nb/Na) of wall time and peak
 * RSS (1.0 is linear; ≤ 0.1 for RSS means flat). A stage that refuses (the leak gate) is reported as such.
 *
 * --measurement-mode leaves ordinary-word surnames out of the generated names, which the leak gate still
 * refuses by mistake: it measures the stages after the gate until that decision lands (issue 14, part 3);
 * results carry the mode in their name.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { timed } from './import.ts';
import {
  formatFigures,
  isMain,
  round,
  type BenchOptions,
  type BenchResult,
  type Figure,
} from './lib/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(root, 'electron', 'cli', 'bin.js');

interface Stage {
  name: string;
  args: (project: string, work: string) => string[];
  /** Runs only when this earlier stage succeeded (verify needs its bundle). */
  after?: string;
}

const EXPORTS: [string, string[]][] = [
  ['llava', ['--format', 'llava']],
  ['sharegpt', ['--format', 'sharegpt']],
  ['messages', ['--format', 'messages']],
  ['parquet', ['--format', 'parquet']],
  ['webdataset', ['--format', 'webdataset']],
  ['llava-tar', ['--format', 'llava', '--archive', 'tar']],
  ['webdataset-zip', ['--format', 'webdataset', '--archive', 'zip']],
];

const bundle = (work: string, name: string) =>
  path.join(work, 'bundles', name + (name.endsWith('-tar') ? '.tar' : name.endsWith('-zip') ? '.zip' : ''));

const STAGES: Stage[] = [
  { name: 'init', args: (p) => ['init', p] },
  { name: 'import', args: (p, w) => ['import', p, path.join(w, 'src'), '--format', 'mimic-cxr'] },
  { name: 'deid', args: (p) => ['deid', p] },
  { name: 'curate', args: (p) => ['curate', p] },
  { name: 'sft', args: (p) => ['sft', p] },
  ...EXPORTS.map(([name, flags]) => ({
    name: `export ${name}`,
    args: (p: string, w: string) => ['export', p, bundle(w, name), ...flags],
  })),
  ...EXPORTS.map(([name]) => ({
    name: `verify ${name}`,
    after: `export ${name}`,
    args: (p: string, w: string) => ['verify', bundle(w, name), '--project', p],
  })),
];

export interface StageResult {
  stage: string;
  images: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  /** null when the stage succeeded; else why it refused or failed (one line, no PHI: the CLI's own). */
  failed: string | null;
}

/** Generates a tree of `images` images and runs every stage on it. */
export function runSize(images: number, measuring: boolean, work: string): StageResult[] {
  mkdirSync(path.join(work, 'bundles'), { recursive: true });
  const gen = [path.join(root, 'scripts', 'scale-data.ts'), String(images), path.join(work, 'src'), '1'];
  const made = timed([process.execPath, ...gen, ...(measuring ? ['--measurement-mode'] : [])]);
  const out: StageResult[] = [
    {
      stage: 'generate',
      images,
      seconds: made.seconds,
      cpuSeconds: made.cpuSeconds,
      peakRssMiB: made.peakRssMiB,
      failed: null,
    },
  ];
  const project = path.join(work, 'project');
  for (const stage of STAGES) {
    const prior = stage.after ? out.find((r) => r.stage === stage.after) : undefined;
    if (prior?.failed) continue;
    process.stderr.write(`scale: ${images} images: ${stage.name}…\n`);
    const m = timed([process.execPath, CLI, ...stage.args(project, work)], true);
    out.push({
      stage: stage.name,
      images,
      seconds: m.seconds,
      cpuSeconds: m.cpuSeconds,
      peakRssMiB: m.peakRssMiB,
      // The CLI's own one-line reason, without its command name or the hit details that follow.
      failed:
        m.status === 0
          ? null
          : m.stderrTail.replace(/^medprep \w+: /u, '').split(' (first')[0] || `exit ${m.status}`,
    });
  }
  return out;
}

/** log(b/a) / log(nb/na): 1 for linear growth, 0 for none. */
export const exponent = (a: number, b: number, na: number, nb: number): number =>
  Math.log(b / a) / Math.log(nb / na);

export function table(results: StageResult[][]): string {
  const sizes = results.map((r) => r[0]!.images);
  const head = ['stage', ...sizes.flatMap((n) => [`${n}: wall s`, 'CPU s', 'peak MiB', 'images/s'])];
  if (sizes.length === 2) head.push('time exp.', 'RSS exp.');
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const first of results[0]!) {
    const row = [first.stage];
    const same = results.map((r) => r.find((x) => x.stage === first.stage));
    for (const r of same) {
      if (!r) row.push('–', '–', '–', '–');
      else if (r.failed)
        row.push(`refused: ${r.failed.replaceAll('|', '/')}`, round(r.cpuSeconds), round(r.peakRssMiB), '–');
      else row.push(round(r.seconds), round(r.cpuSeconds), round(r.peakRssMiB), round(r.images / r.seconds));
    }
    const [a, b] = same;
    if (sizes.length === 2 && a && b && !a.failed && !b.failed)
      row.push(
        exponent(a.seconds, b.seconds, a.images, b.images).toFixed(2),
        exponent(a.peakRssMiB, b.peakRssMiB, a.images, b.images).toFixed(2),
      );
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

export async function run(opts: BenchOptions = { argv: [] }): Promise<BenchResult> {
  const { values } = parseArgs({
    args: opts.argv,
    options: {
      images: { type: 'string', default: '10000,50000' },
      'measurement-mode': { type: 'boolean', default: false },
      keep: { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
    strict: false,
  });
  const sizes = String(values.quick ? '300,1200' : values.images)
    .split(',')
    .map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 10))
    throw new Error('--images takes sizes like 10000,50000');
  const measuring = Boolean(values['measurement-mode']);
  const results: StageResult[][] = [];
  for (const n of sizes) {
    const work = values.keep
      ? path.join(String(values.keep), String(n))
      : mkdtempSync(path.join(os.tmpdir(), `medprep-scale-${n}-`));
    try {
      results.push(runSize(n, measuring, work));
    } finally {
      if (!values.keep) rmSync(work, { recursive: true, force: true });
    }
  }
  const figures: Figure[] = results.flatMap((r) =>
    r.flatMap((s) =>
      s.failed
        ? []
        : [
            { label: `${s.stage} @${s.images}: wall`, value: s.seconds, unit: 's' },
            { label: `${s.stage} @${s.images}: peak RSS`, value: s.peakRssMiB, unit: 'MiB' },
          ],
    ),
  );
  const refused = results.flat().filter((s) => s.failed);
  return {
    name: measuring ? 'scale (measurement mode: no ordinary-word surnames)' : 'scale',
    figures,
    notes: [
      `sizes ${sizes.join(', ')} images (MIMIC-style tree from scripts/scale-data.ts, 160-px pixels)`,
      ...refused.map((s) => `${s.stage} @${s.images} refused: ${s.failed}`),
      `per-stage table:\n\n${table(results)}\n`,
    ],
  };
}

if (isMain(import.meta.url))
  process.stdout.write(`${formatFigures(await run({ argv: process.argv.slice(2) }))}\n`);
