// No PHI in logs, errors or crash output. The whole pipeline runs through the CLI (init, import of the
// MIMIC-CXR and PADCHEST samples and of a hostile DICOM folder, deid, curate, sft, export, verify, stats,
// models check, serve) with --json and without, and an import runs on a terminal (progress bar); then every
// byte of stdout and stderr (job events with --progress json, the job history of `medprep jobs`), every job
// message and every file's recorded reason in the project, the project's log files, and the output of a forced
// crash are scanned for every planted identifier (phi-needles.ts lists the forms).
//
// The hostile folder is named after a patient ("DOE^JANE 19570302") and holds broken files whose headers
// carry the planted names, plus files that put identifiers where reasons quote header values (Photometric
// Interpretation, Transfer Syntax UID, SOP Class UID).
//
// Paths: what the user typed (a source, a project) may be echoed back in the one-line answer to that command.
// Paths MedPrep found by walking are never printed in logs, text output, job messages or reasons; they are in
// `import --json` (errors[].path, machine output asked for explicitly) and the files table (the record of
// what was read), which this test therefore leaves out of the scan, and nowhere else.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_MODELS_DIR } from '../../native-models/test-helpers.ts';
import { LOG_DIR } from '../../electron/engine/project/log.ts';
import { sampleDicomFiles } from '../support/dicom-tree.ts';
import { element, elementSpans, setElement } from './support/fuzz-mutate.ts';
import { runPipeline, type StepResult } from './support/net-pipeline.ts';
import { findNeedles, plantedNeedles } from './support/phi-needles.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(repoRoot, 'electron', 'cli', 'bin.js');
const sample = path.join(repoRoot, 'resources', 'sample-data');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-phi-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const needles = plantedNeedles();
const PATIENT_FOLDER = 'DOE^JANE 19570302';

/** A DICOM folder whose broken files carry planted identifiers in their headers and in quoted fields. */
function hostileSource(): string {
  const src = path.join(work, 'hostile');
  const dir = path.join(src, PATIENT_FOLDER);
  fs.mkdirSync(dir, { recursive: true });
  const seed = fs.readFileSync(sampleDicomFiles()[0]!);
  const spans = elementSpans(seed)!;
  const pixel = spans.find((s) => s.tag === 0x7fe00010)!;
  fs.writeFileSync(path.join(dir, 'truncated.dcm'), seed.subarray(0, pixel.value + 100));
  const text = (s: string) => Buffer.from(s.length % 2 ? `${s} ` : s, 'latin1');
  const uid = (s: string) => Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1');
  const put = (name: string, tag: number, vr: string, value: Buffer) =>
    fs.writeFileSync(path.join(dir, name), setElement(seed, spans, tag, element(tag, vr, value)));
  put('photometric.dcm', 0x00280004, 'CS', text('DOE JANE'));
  put('transfer-syntax.dcm', 0x00020010, 'UI', uid('MRN-FAKE-0001'));
  // No pixel data and a planted SOP Class UID: the reason names the SOP class.
  const sop = 0x00080016;
  const noPixels = seed.subarray(0, pixel.start);
  fs.writeFileSync(
    path.join(dir, 'sop-class.dcm'),
    setElement(noPixels, elementSpans(noPixels)!, sop, element(sop, 'UI', uid('FAKEACC0001'))),
  );
  put('frames.dcm', 0x00280008, 'IS', text('MRN-FAKE-0002'));
  fs.writeFileSync(
    path.join(dir, 'notes DOE JANE.txt'),
    'Patient Jane Doe, MRN-FAKE-0001, born 03/02/1957\n',
  );
  return src;
}

/** Everything of a step but the file paths import --json lists on request (errors and skipped files). */
function scannable(step: StepResult): string {
  let stdout = step.stdout;
  if (step.args[0] === 'import' && step.args.includes('--json')) {
    type Listed = { path: string; reason: string }[];
    const doc = JSON.parse(stdout) as { errors: Listed; skippedFiles: Listed };
    doc.errors = doc.errors.map((e) => ({ path: '(path)', reason: e.reason }));
    doc.skippedFiles = doc.skippedFiles.map((e) => ({ path: '(path)', reason: e.reason }));
    stdout = JSON.stringify(doc);
  }
  return `${stdout}\n${step.stderr}`;
}

function dbText(project: string): string {
  const db = new Database(path.join(project, 'project.db'), { readonly: true });
  try {
    const jobs = db.prepare('SELECT kind, state, message FROM jobs').all();
    const reasons = db.prepare('SELECT status, reason FROM files WHERE reason IS NOT NULL').all();
    return JSON.stringify({ jobs, reasons });
  } finally {
    db.close();
  }
}

/** Every file of the project's rotating log, joined; the log must exist and record the jobs. */
function logText(project: string): string {
  const dir = path.join(project, LOG_DIR);
  const text = fs
    .readdirSync(dir)
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
  expect(text).toContain('"event":"job.finished"');
  return text;
}

let hostile = '';
beforeAll(() => {
  hostile = hostileSource();
});

describe('no PHI in logs', () => {
  // Sanity: the scanner finds what it looks for, so an empty finding below means something.
  it('the scanner finds planted identifiers in every form it lists', () => {
    expect(findNeedles('Patient DOE^JANE seen', needles)).not.toEqual([]);
    expect(findNeedles('jane doe', needles)).not.toEqual([]);
    expect(findNeedles('born 1957-03-02', needles)).not.toEqual([]);
    expect(findNeedles('born March 2, 1957', needles)).not.toEqual([]);
    expect(findNeedles('call 5550100147', needles)).not.toEqual([]);
    expect(findNeedles('(doe)', needles)).not.toEqual([]);
    expect(findNeedles('dose 12 mGy; 3 samples; fake data', needles)).toEqual([]);
  });

  for (const json of [true, false]) {
    it(`the whole pipeline ${json ? 'with --json' : 'in text mode'}: no identifier in any output or record`, async () => {
      const dir = path.join(work, json ? 'json' : 'text');
      const project = path.join(dir, 'project');
      const steps = await runPipeline({
        project,
        bundle: path.join(dir, 'bundle'),
        sources: [
          { path: path.join(sample, 'mimic-cxr'), format: 'mimic-cxr' },
          { path: path.join(sample, 'padchest'), format: 'padchest' },
          { path: hostile, format: 'dicom' },
        ],
        modelsDir: TEST_MODELS_DIR,
        json,
        serve: true,
      });
      for (const s of steps)
        expect({ step: s.args.slice(0, 2), code: s.code, err: s.stderr }).toMatchObject({ code: 0 });
      const hostileImport = steps.find((s) => s.args[0] === 'import' && s.args[2] === hostile)!;
      // The hostile files were really read and refused with reasons (else the scan proves nothing).
      if (json)
        expect(
          (JSON.parse(hostileImport.stdout) as { errors: unknown[] }).errors.length,
        ).toBeGreaterThanOrEqual(3);
      else expect(hostileImport.stdout).toMatch(/\d+ × truncated/u);
      for (const s of steps) expect(findNeedles(scannable(s), needles), s.args.join(' ')).toEqual([]);
      expect(findNeedles(dbText(project), needles)).toEqual([]);
      expect(findNeedles(logText(project), needles)).toEqual([]);
    }, 300_000);
  }

  it('an import on a terminal (progress bar) prints none', () => {
    const project = path.join(work, 'tty');
    expect(spawnSync(process.execPath, [bin, 'init', project]).status).toBe(0);
    const r = spawnSync(
      'script',
      ['-qec', `'${process.execPath}' '${bin}' import '${project}' '${hostile}'`, '/dev/null'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/import \[/u);
    expect(findNeedles(r.stdout + r.stderr, needles)).toEqual([]);
  });

  it('a crash prints its kind, not its message; MEDPREP_DEBUG=1 shows the details on request', () => {
    const boom = path.join(work, 'boom.mjs');
    fs.writeFileSync(
      boom,
      "setTimeout(() => { throw new Error('cannot parse DOE^JANE MRN-FAKE-0001'); }, 0);\n",
    );
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [bin, 'stats', path.join(work, 'tty')], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: `--import=${boom}`, ...env },
      });
    const r = run({});
    expect(r.status).toBe(70);
    expect(r.stderr).toMatch(/^medprep: internal error \(Error\)/mu);
    expect(findNeedles(r.stdout + r.stderr, needles)).toEqual([]);
    expect(run({ MEDPREP_DEBUG: '1' }).stderr).toContain('DOE^JANE');
  });

  it('a system error inside a job (a CSV gone under a folder named after a patient) is recorded by its code', () => {
    // The source the user names is named after a patient; its CSV vanishes after the import is planned, so
    // the layout's stat fails with Node's message, which holds the full path.
    const src = path.join(work, PATIENT_FOLDER);
    fs.mkdirSync(src, { recursive: true });
    const csv = 'PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv';
    fs.copyFileSync(path.join(sample, 'padchest', csv), path.join(src, csv));
    const vanish = path.join(work, 'vanish.mjs');
    fs.writeFileSync(
      vanish,
      `import fs from 'node:fs';
       const stat = fs.promises.stat;
       fs.promises.stat = async (p, ...rest) => {
         if (String(p).endsWith(${JSON.stringify(csv)})) await stat(String(p) + '.gone');
         return stat(p, ...rest);
       };\n`,
    );
    const project = path.join(work, 'vanish-project');
    expect(spawnSync(process.execPath, [bin, 'init', project]).status).toBe(0);
    const r = spawnSync(process.execPath, [bin, 'import', project, src, '--format', 'padchest'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: `--import=${vanish}` },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('medprep import: failed: ENOENT (stat)\n');
    expect(findNeedles(dbText(project), needles)).toEqual([]);
  });
});
