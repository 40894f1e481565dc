/**
 * SFT faithfulness before and after issue 18, on findings and impression targets:
 *
 *   node bench/sft-faithful.ts [--reports 1000]   (bench/run.ts calls run())
 *
 * - "before": the old hygiene, kept here as the baseline: every sentence with a prior-study word is dropped.
 * - "after": phrase-level prior removal (cleanText) and the faithfulness gate (labeler on the full report as
 *   the study's labels, as for a source without label CSVs).
 *
 * Two sets: generated follow-up reports whose every sentence carries its true states (comparison language in
 * about half the sentences), and the bundled MIMIC-CXR sample reports with their CheXpert CSV labels as the
 * truth. Figures: contradiction rate (targets asserting a state opposite to the truth), positive coverage
 * (the source section's positive findings the target still states), targets per report, drops per reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readCsvFile } from '../electron/engine/import/csv.ts';
import { labelReport, sentences } from '../electron/engine/labeler/index.ts';
import { sectionReport } from '../electron/engine/reports/index.ts';
import { cleanText, gate } from '../electron/engine/sft/index.ts';
import type { Candidate } from '../electron/engine/sft/tasks.ts';
import { comparisonReports, joined, reportTruth } from './lib/comparison-reports.ts';
import { formatFigures, isMain, type BenchOptions, type BenchResult, type Figure } from './lib/types.ts';

/** The hygiene before issue 18 (sft/text.ts at 23a21a9): drop every sentence with one of these words. */
const OLD_PRIOR =
  /\b(?:compar(?:ed|ison|e)|prior|previous(?:ly)?|interval(?:ly)?|unchanged|stable|since|again|re-?demonstrat\w*|persist\w*|improv\w*|worsen\w*|resolv\w*|no longer|no change|new|earlier|recent(?:ly)? (?:placed|removed))\b/iu;
const OLD_PLACEHOLDER = /\[(?:NAME|DATE|AGE|ID|CONTACT|LOCATION|REDACTED)\]|_{2,}|\[\*\*[^\]]*\*\*\]/u;

function before(text: string): { text: string } | { dropped: string } {
  const parts = sentences(text);
  if (parts.length === 0) return { dropped: 'empty' };
  const kept = parts.filter((s) => !OLD_PRIOR.test(s));
  if (kept.length === 0) return { dropped: 'prior-sentences-only' };
  const clean = kept.filter((s) => !OLD_PLACEHOLDER.test(s));
  if (clean.length === 0) return { dropped: 'redaction' };
  return { text: clean.map((s) => (/[.!?]$/u.test(s) ? s : `${s}.`)).join(' ') };
}

interface Case {
  /** Findings and impression sections. */
  sections: { task: 'findings' | 'impression'; text: string }[];
  /** The study's true states (observation → 1, 0, -1). */
  truth: Map<string, number>;
  /** The full report, for the gate's study labels. */
  report: string;
}

interface Tally {
  targets: number;
  contradicting: number;
  positives: number;
  covered: number;
  dropped: Record<string, number>;
}

const states = (text: string) =>
  new Map([...labelReport(text).labels].filter(([o, v]) => o !== 'No Finding' && v !== null)) as Map<
    string,
    1 | 0 | -1
  >;
const positives = (text: string) => [...states(text)].filter(([, v]) => v === 1).map(([o]) => o);

function measure(cases: Case[], pipeline: 'before' | 'after'): Tally {
  const t: Tally = { targets: 0, contradicting: 0, positives: 0, covered: 0, dropped: {} };
  const drop = (r: string) => (t.dropped[r] = (t.dropped[r] ?? 0) + 1);
  for (const c of cases) {
    const study = states(c.report);
    for (const { task, text } of c.sections) {
      const r =
        pipeline === 'before'
          ? before(text)
          : cleanText(text, { singleImage: true, redactions: 'drop-sentence' });
      if ('dropped' in r) {
        drop(r.dropped);
        continue;
      }
      const sourcePositives = positives(text);
      if (pipeline === 'after') {
        const candidate = { task, response: r.text, images: [{}], discriminator: '' } as unknown as Candidate;
        const failed = gate({ candidate, study, sourcePositives });
        if (failed) {
          drop(`gate:${failed}`);
          continue;
        }
      }
      t.targets++;
      const said = states(r.text);
      if ([...said].some(([o, v]) => (v === 1 && c.truth.get(o) === 0) || (v === 0 && c.truth.get(o) === 1)))
        t.contradicting++;
      t.positives += sourcePositives.length;
      t.covered += sourcePositives.filter((o) => said.get(o) === 1).length;
    }
  }
  return t;
}

function generatedCases(n: number): { cases: Case[]; comparisonShare: number } {
  const reports = comparisonReports(n, 18);
  let all = 0;
  let compare = 0;
  const cases = reports.map((r) => {
    for (const s of [...r.findings, ...r.impression]) {
      all++;
      if (s.comparison) compare++;
    }
    const findings = joined(r.findings);
    const impression = joined(r.impression);
    return {
      sections: [
        { task: 'findings' as const, text: findings },
        { task: 'impression' as const, text: impression },
      ],
      truth: reportTruth(r) as Map<string, number>,
      report: `${findings}\n${impression}`,
    };
  });
  return { cases, comparisonShare: compare / all };
}

/** The bundled MIMIC-CXR sample reports, their truth the CheXpert CSV labels. */
async function sampleCases(): Promise<Case[]> {
  const root = path.resolve(import.meta.dirname, '..', 'resources', 'sample-data', 'mimic-cxr');
  const truth = new Map<string, Map<string, number>>();
  for await (const rec of readCsvFile(path.join(root, 'mimic-cxr-2.0.0-chexpert.csv.gz'))) {
    const m = new Map<string, number>();
    for (const k of rec.header) {
      const v = rec.get(k);
      if (k !== 'subject_id' && k !== 'study_id' && v !== '') m.set(k, Number(v));
    }
    truth.set(rec.get('study_id'), m);
  }
  const out: Case[] = [];
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory()
          ? walk(path.join(dir, e.name))
          : e.name.endsWith('.txt')
            ? [path.join(dir, e.name)]
            : [],
      );
  for (const file of walk(path.join(root, 'files'))) {
    const sections = sectionReport(fs.readFileSync(file, 'utf8'));
    const list = (['findings', 'impression'] as const)
      .filter((k) => sections[k])
      .map((task) => ({ task, text: sections[task]! }));
    out.push({
      sections: list,
      truth: truth.get(path.basename(file, '.txt').slice(1)) ?? new Map(),
      report: list.map((s) => s.text).join('\n'),
    });
  }
  return out;
}

function figures(set: string, cases: Case[]): Figure[] {
  const b = measure(cases, 'before');
  const a = measure(cases, 'after');
  const rate = (t: Tally) => (t.targets === 0 ? 0 : (100 * t.contradicting) / t.targets);
  const cover = (t: Tally) => (t.positives === 0 ? 100 : (100 * t.covered) / t.positives);
  const drops = (t: Tally) => Object.values(t.dropped).reduce((x, y) => x + y, 0);
  return [
    {
      label: `${set}: contradiction rate (target 0)`,
      value: rate(a),
      unit: '% of targets',
      baseline: { label: 'before', value: rate(b) },
    },
    {
      label: `${set}: positive coverage (target ≥ 99 %)`,
      value: cover(a),
      unit: '%',
      baseline: { label: 'before', value: cover(b) },
    },
    {
      label: `${set}: findings + impression targets per report`,
      value: a.targets / cases.length,
      unit: 'targets',
      baseline: { label: 'before', value: b.targets / cases.length },
    },
    {
      label: `${set}: dropped (after: ${fmt(a.dropped)}; before: ${fmt(b.dropped)})`,
      value: drops(a),
      unit: 'targets',
      baseline: { label: 'before', value: drops(b) },
    },
  ];
}

const fmt = (d: Record<string, number>) =>
  Object.entries(d)
    .sort()
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const { values } = parseArgs({
    args: opts.argv,
    options: { reports: { type: 'string', default: '1000' } },
    strict: false,
  });
  const n = Number(values.reports);
  const generated = generatedCases(n);
  const sample = await sampleCases();
  return {
    name: 'sft-faithful',
    figures: [
      ...figures(`generated (${n})`, generated.cases),
      ...figures(`sample data (${sample.length})`, sample),
    ],
    notes: [
      `generated: ${n} reports, ${Math.round(generated.comparisonShare * 100)} % of sentences with comparison language; truth = each sentence's generated states`,
      'sample data: the bundled MIMIC-CXR reports; truth = their CheXpert CSV labels',
      'coverage and what a target states are read by the labeler on the target text (the same instrument for both)',
    ],
  };
}

if (isMain(import.meta.url)) {
  process.stdout.write(`${formatFigures(await run({ argv: process.argv.slice(2) }))}\n`);
}
