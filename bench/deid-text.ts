/**
 * Report-text de-identification speed: reports per second, single thread, median of several runs.
 *
 *   node bench/deid-text.ts [--runs 7] [--file test/fixtures/deid/heldout.jsonl]   (bench/run.ts calls run())
 *
 * Passes over the same generated reports: rules only; rules with header-informed scrubbing, the header
 * matcher compiled once per identifiers object (cached) and compiled for every report; rules with a realistic
 * hospital header per patient (six person names, two addresses, ten IDs: bench/lib/patient-headers.ts, plus
 * the report's own identifiers), compiled per report as an export meets each patient once; surrogates with
 * the header (the export path). Target: at least 2,000 reports/s, rules only and with realistic headers.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseGold, type GoldRecord } from '../electron/engine/deid-text/evaluate.ts';
import { deidentifyTextSync } from '../electron/engine/deid-text/index.ts';
import type { DeidTextOptions } from '../electron/engine/deid-text/index.ts';
import { patientHeaders, withHeader } from './lib/patient-headers.ts';
import { isMain, median, type BenchOptions, type BenchResult } from './lib/types.ts';

const secret = Buffer.from('bench-secret');

/**
 * Median reports per CPU second over `runs` runs of three passes each, after a warm-up pass. CPU time, not
 * wall time: one thread, so this is the rate per core, and a busy machine slows it far less.
 */
function measure(
  records: GoldRecord[],
  runs: number,
  options: (i: number) => DeidTextOptions,
  fresh = false,
): number {
  let opts = records.map((_, i) => options(i));
  // Warm up so the JIT and the header cache are in their steady state, as in a long export.
  for (const [i, r] of records.entries()) deidentifyTextSync(r.text, opts[i]);
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.cpuUsage();
    for (let round = 0; round < 3; round++) {
      // A fresh identifiers object per report: its header matcher is compiled inside the timed loop.
      if (fresh) opts = records.map((_, i) => ({ ...options(i), known: { ...options(i).known } }));
      for (const [i, r] of records.entries()) deidentifyTextSync(r.text, opts[i]);
    }
    const used = process.cpuUsage(start);
    const seconds = (used.user + used.system) / 1e6;
    rates.push((3 * records.length) / seconds);
  }
  return median(rates);
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const { values } = parseArgs({
    args: opts.argv,
    options: {
      runs: { type: 'string', default: '7' },
      file: { type: 'string', default: 'test/fixtures/deid/heldout.jsonl' },
    },
    strict: false,
  });
  const records = parseGold(readFileSync(String(values.file), 'utf8'));
  const runs = Number(values.runs);
  const rate = (options: (i: number) => DeidTextOptions, fresh = false) =>
    measure(records, runs, options, fresh);
  const rules = rate(() => ({}));
  const header = rate((i) => ({ known: records[i]?.header }));
  const perReport = rate((i) => ({ known: records[i]?.header }), true);
  const nextHeader = patientHeaders();
  const hospital = records.map((r) => withHeader(r.header, nextHeader()));
  const realistic = rate((i) => ({ known: hospital[i] }), true);
  const surrogates = rate((i) => ({
    known: records[i]?.header,
    mode: 'surrogates',
    secret,
    patientKey: `p${i}`,
    shiftDays: 30,
  }));
  const target = { label: 'target', value: 2000 };
  const chars = records.reduce((n, r) => n + r.text.length, 0);
  return {
    name: 'deid-text',
    figures: [
      { label: 'rules only (tags)', value: rules, unit: 'reports/s', baseline: target, ratio: rules / 2000 },
      {
        label: 'rules + header (tags)',
        value: header,
        unit: 'reports/s',
        baseline: { label: 'rules only', value: rules },
        ratio: header / rules,
      },
      {
        label: 'rules + header, compiled per report',
        value: perReport,
        unit: 'reports/s',
        baseline: { label: 'header compiled once', value: header },
        ratio: perReport / header,
      },
      {
        label: 'rules + realistic header, per report',
        value: realistic,
        unit: 'reports/s',
        baseline: target,
        ratio: realistic / 2000,
      },
      {
        label: 'rules + header (surrogates)',
        value: surrogates,
        unit: 'reports/s',
        baseline: { label: 'rules + header (tags)', value: header },
        ratio: surrogates / header,
      },
    ],
    notes: [
      `${records.length} reports, ${Math.round(chars / records.length)} characters on average, one thread, reports per CPU second, median of ${runs} runs`,
    ],
  };
}

if (isMain(import.meta.url)) {
  const result = await run({ argv: process.argv.slice(2) });
  process.stdout.write(`${result.notes?.[0] ?? ''}\n`);
  for (const f of result.figures) {
    const n = Math.round(f.value).toLocaleString('en-US').padStart(7);
    process.stdout.write(`${f.label.padEnd(38)} ${n} ${f.unit}\n`);
  }
}
