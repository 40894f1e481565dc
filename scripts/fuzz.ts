// Nightly-size fuzzing: `npm run fuzz -- --cases 5000 --seed 7 [--dir PATH] [--keep]`. Prints a JSON report
// (cases, outcomes, reasons, failures) and exits 1 when any promise broke. A failure replays with its seed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runFuzz } from '../test/reliability/support/fuzz-run.ts';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '5000' },
    seed: { type: 'string', default: String(Math.floor(Date.now() / 86_400_000)) },
    batch: { type: 'string', default: '250' },
    'file-timeout': { type: 'string', default: '30' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const dir = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-fuzz-'));
const report = await runFuzz({
  seed: Number(values.seed),
  cases: Number(values.cases),
  batch: Number(values.batch),
  fileTimeoutS: Number(values['file-timeout']),
  dir,
  log: (line) => process.stderr.write(`${line}\n`),
});
if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exitCode = report.failures.length === 0 ? 0 : 1;
