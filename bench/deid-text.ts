/**
 * Report-text de-identification speed: reports per second, single thread, median of several runs.
 *
 *   node bench/deid-text.ts [--runs 7] [--file test/fixtures/deid/heldout.jsonl]
 *
 * Passes over the same generated reports: rules only; rules with header-informed scrubbing, the header
 * matcher compiled once per identifiers object (cached) and compiled for every report; surrogates with the
 * header (the export path). Target: at least 2,000 reports/s with rules.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseGold } from '../electron/engine/deid-text/evaluate.ts';
import { deidentifyTextSync } from '../electron/engine/deid-text/index.ts';
import type { DeidTextOptions } from '../electron/engine/deid-text/index.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    file: { type: 'string', default: 'test/fixtures/deid/heldout.jsonl' },
  },
});
const records = parseGold(readFileSync(values.file, 'utf8'));
const runs = Number(values.runs);
const secret = Buffer.from('bench-secret');

function measure(label: string, options: (i: number) => DeidTextOptions, fresh = false) {
  let opts = records.map((_, i) => options(i));
  // Warm up so the JIT and the header cache are in their steady state, as in a long export.
  for (const [i, r] of records.entries()) deidentifyTextSync(r.text, opts[i]);
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    for (let round = 0; round < 3; round++) {
      // A fresh identifiers object per report: its header matcher is compiled inside the timed loop.
      if (fresh) opts = records.map((_, i) => ({ ...options(i), known: { ...options(i).known } }));
      for (const [i, r] of records.entries()) deidentifyTextSync(r.text, opts[i]);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push((3 * records.length) / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] ?? 0;
  console.log(
    `${label.padEnd(34)} ${Math.round(median).toLocaleString('en-US').padStart(7)} reports/s (median of ${runs})`,
  );
}

const chars = records.reduce((n, r) => n + r.text.length, 0);
console.log(
  `${records.length} reports, ${Math.round(chars / records.length)} characters on average, one thread`,
);
measure('rules only (tags)', () => ({}));
measure('rules + header (tags)', (i) => ({ known: records[i]?.header }));
measure('rules + header, compiled per report', (i) => ({ known: records[i]?.header }), true);
measure('rules + header (surrogates)', (i) => ({
  known: records[i]?.header,
  mode: 'surrogates',
  secret,
  patientKey: `p${i}`,
  shiftDays: 30,
}));
