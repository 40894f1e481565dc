/**
 * Measures the text engine on gold corpora written by others, side by side with the corpus's reference tool.
 *
 *   node scripts/eval-deid-corpora.ts --physionet DIR [--run-deid-pl] [--json]
 *
 * DIR is an unpacked PhysioNet "deid" 1.1 package (id.text, id-phi.phrase, deid.pl, deid.config; GPL-2.0,
 * not bundled: keep it under the git-ignored .corpora/). With --run-deid-pl the Perl reference tool is run
 * there first (`perl -I. deid.pl id deid.config`, about 20 minutes on a shared core; it writes id.phi and id.info in
 * DIR); an id.phi already there is scored as it is. Prints span recall and character precision per category
 * for MedPrep's rules, for the same without clock times (which MedPrep hides and the corpus does not mark),
 * and for deid.pl, all scored by the same `evaluate`. No PHI is printed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readGold } from '../electron/cli/commands/eval-deid.ts';
import { evaluate, type EvaluationReport } from '../electron/engine/deid-text/evaluate.ts';
import { parsePhysionetPhi } from '../electron/engine/deid-text/gold-formats.ts';
import { detectSpans } from '../electron/engine/deid-text/index.ts';

const { values } = parseArgs({
  options: {
    physionet: { type: 'string' },
    'run-deid-pl': { type: 'boolean' },
    json: { type: 'boolean' },
  },
});
if (!values.physionet) {
  process.stderr.write('usage: node scripts/eval-deid-corpora.ts --physionet DIR [--run-deid-pl] [--json]\n');
  process.exit(2);
}
const dir = values.physionet;
const records = readGold(dir, 'physionet');

const reports: Record<string, EvaluationReport> = {};
const started = performance.now();
reports.medprep = (await evaluate(records, (r) => detectSpans(r.text))).report;
const medprepSeconds = (performance.now() - started) / 1000;
// MedPrep hides clock times (stricter than HIPAA Safe Harbor); the corpus does not mark them as PHI.
reports['no-times'] = (
  await evaluate(records, (r) => detectSpans(r.text).filter((s) => s.source !== 'rule:time'))
).report;

if (values['run-deid-pl']) {
  execFileSync('perl', ['-I.', 'deid.pl', 'id', 'deid.config'], { cwd: dir, stdio: 'ignore' });
}
const phiFile = path.join(dir, 'id.phi');
if (existsSync(phiFile)) {
  const predicted = parsePhysionetPhi(readFileSync(phiFile, 'latin1'));
  reports['deid.pl'] = (await evaluate(records, (r) => predicted.get(r.id ?? '') ?? [])).report;
}

if (values.json) {
  process.stdout.write(
    `${JSON.stringify({ corpus: 'physionet-deid-1.1', medprepSeconds, reports }, null, 2)}\n`,
  );
} else {
  const pct = (v: number | undefined) => (v === undefined ? '     -' : (v * 100).toFixed(1).padStart(6));
  const tools = Object.keys(reports);
  const categories = Object.keys(reports.medprep?.perCategory ?? {});
  console.log(
    `PhysioNet deid 1.1 gold standard: ${records.length} notes (MedPrep ${medprepSeconds.toFixed(1)} s)`,
  );
  console.log(`category  spans ${tools.map((t) => `${t.padStart(8)} rec  prec`).join(' ')}`);
  for (const c of [...categories, 'overall']) {
    const cells = tools.map((t) => {
      const m = c === 'overall' ? reports[t]!.overall : reports[t]!.perCategory[c as 'NAME'];
      return `       ${pct(m?.spanRecall)} ${pct(m?.charPrecision)}`;
    });
    const gold = c === 'overall' ? reports.medprep!.overall : reports.medprep!.perCategory[c as 'NAME'];
    console.log(`${c.padEnd(9)} ${String(gold?.goldSpans ?? 0).padStart(5)} ${cells.join(' ')}`);
  }
  console.log('(deid.pl predictions carry no category: its per-category precision is not meaningful)');
}
