/**
 * Report labeler speed: reports per second, one thread, median of several runs, over generated follow-up
 * reports (findings and impression, comparison language in about half the sentences).
 *
 *   node bench/labeler.ts [--reports 2000] [--runs 7]   (bench/run.ts calls run())
 *
 * Target: at least 5,000 reports/s per core. "Per core" is reports per CPU-second of this process, which a
 * busy machine does not distort; the wall-clock rate is shown beside it.
 */
import { parseArgs } from 'node:util';
import { labelReport } from '../electron/engine/labeler/index.ts';
import { comparisonReports, joined } from './lib/comparison-reports.ts';
import { formatFigures, isMain, median, type BenchOptions, type BenchResult } from './lib/types.ts';

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const { values } = parseArgs({
    args: opts.argv,
    options: { reports: { type: 'string', default: '2000' }, runs: { type: 'string', default: '7' } },
    strict: false,
  });
  const texts = comparisonReports(Number(values.reports), 7).map(
    (r) => `${joined(r.findings)}\n${joined(r.impression)}`,
  );
  const runs = Number(values.runs);
  let mentions = 0;
  // Warm-up: the phrase lists compile and the JIT settles.
  for (const t of texts) mentions += labelReport(t).sentences.reduce((n, s) => n + s.mentions.length, 0);
  const rates: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    for (const t of texts) labelReport(t);
    rates.push(texts.length / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
  const rate = median(rates);
  const perCore = (runs * texts.length) / ((cpu.user + cpu.system) / 1e6);
  const chars = texts.reduce((n, t) => n + t.length, 0);
  return {
    name: 'labeler',
    figures: [
      {
        label: 'reports labeled per core (per CPU-second)',
        value: perCore,
        unit: 'reports/s',
        baseline: { label: 'target', value: 5000 },
        ratio: perCore / 5000,
      },
      { label: 'reports labeled, wall clock (one thread)', value: rate, unit: 'reports/s' },
      {
        label: 'CPU use while labeling',
        value: ((cpu.user + cpu.system) / 1e6 / wall) * 100,
        unit: '% of a core',
      },
      {
        label: 'peak memory (max RSS)',
        value: Math.round(process.resourceUsage().maxRSS / 1024),
        unit: 'MiB',
      },
    ],
    notes: [
      `${texts.length} generated reports, ${Math.round(chars / texts.length)} characters and ` +
        `${(mentions / texts.length).toFixed(1)} mentions on average, median of ${runs} runs`,
    ],
  };
}

if (isMain(import.meta.url)) {
  process.stdout.write(`${formatFigures(await run({ argv: process.argv.slice(2) }))}\n`);
}
