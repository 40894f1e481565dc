/**
 * Figures for a public chest X-ray report collection laid out as the Open-i (Indiana University) CSV pair:
 * a reports CSV (uid, image, indication, comparison, findings, impression) and a projections CSV (uid,
 * filename, projection). Nothing of the collection is kept; only counts are printed.
 *
 *   node scripts/measure-report-collection.ts REPORTS.csv PROJECTIONS.csv
 *
 * Measured: sections found exactly in both layouts exports write (headings on their own lines, and the whole
 * report in one paragraph); images whose view the curation filter would not keep as frontal or lateral;
 * reports whose language is not found English (and what franc alone said); spans report de-identification
 * marks in the already de-identified text beyond its "XXXX" placeholders.
 */
import { franc } from 'franc-min';
import { REPORT_LANGUAGES, reportLanguage } from '../electron/engine/curate/text-stats.ts';
import { viewClass } from '../electron/engine/curate/view-vocabulary.ts';
import { deidentifyTextSync } from '../electron/engine/deid-text/index.ts';
import { readCsvFile } from '../electron/engine/import/csv.ts';
import { normalise, sectionReport } from '../electron/engine/reports/index.ts';

const [reportsCsv, projectionsCsv] = process.argv.slice(2);
if (!reportsCsv || !projectionsCsv) {
  console.error('usage: node scripts/measure-report-collection.ts REPORTS.csv PROJECTIONS.csv');
  process.exit(2);
}

const FIELDS = ['indication', 'comparison', 'findings', 'impression'] as const;
/** The recipe default (report.language min_chars). */
const MIN_CHARS = 40;

const exact = { lines: 0, paragraph: 0 };
let reports = 0;
let notEnglish = 0;
let francNotEnglish = 0;
let checked = 0;
let redactions = 0;
const redactedRules = new Map<string, number>();
for await (const { get } of readCsvFile(reportsCsv)) {
  reports++;
  const want = Object.fromEntries(FIELDS.map((f) => [f, normalise(get(f))]));
  const headings = [
    `EXAMINATION: ${get('image')}`,
    ...FIELDS.filter((f) => want[f] !== null).map((f) => `${f.toUpperCase()}: ${want[f]}`),
  ];
  for (const layout of ['lines', 'paragraph'] as const) {
    const got = sectionReport(headings.join(layout === 'lines' ? '\n' : ' '));
    if (FIELDS.every((f) => got[f] === want[f])) exact[layout]++;
  }
  const body = [want.findings, want.impression].filter((t) => t !== null).join(' ');
  if (body.length >= MIN_CHARS) {
    checked++;
    if (reportLanguage(body, false, MIN_CHARS) !== 'eng') notEnglish++;
    if (franc(body, { only: REPORT_LANGUAGES, minLength: MIN_CHARS }) !== 'eng') francNotEnglish++;
  }
  const text = headings.join('\n');
  for (const span of deidentifyTextSync(text).spans) {
    if (span.source === 'placeholder') continue;
    redactions++;
    redactedRules.set(span.source, (redactedRules.get(span.source) ?? 0) + 1);
  }
}

const views = new Map<string, number>();
let images = 0;
let frontalWritten = 0;
let frontalKept = 0;
for await (const { get } of readCsvFile(projectionsCsv)) {
  images++;
  const written = get('projection');
  const cls = viewClass(written.toUpperCase());
  views.set(cls, (views.get(cls) ?? 0) + 1);
  if (written.trim().toLowerCase() === 'frontal') {
    frontalWritten++;
    if (cls === 'frontal') frontalKept++;
  }
}

console.log(
  JSON.stringify(
    {
      reports,
      sectionsExact: { headingsOnTheirOwnLines: exact.lines, onParagraph: exact.paragraph },
      images,
      viewClasses: Object.fromEntries(views),
      frontalImagesLostToTheViewFilter: frontalWritten - frontalKept,
      language: {
        reportsChecked: checked,
        notFoundEnglish: notEnglish,
        francAloneNotEnglish: francNotEnglish,
      },
      redactionsBeyondPlaceholders: redactions,
      redactionsByRule: Object.fromEntries(redactedRules),
    },
    null,
    1,
  ),
);
