// Runs a seeded fuzz campaign through the real import, as a user would: folders of mutated DICOM, PNG and
// JPEG files imported in batches by the `medprep` command, then de-identified; mutated PADCHEST CSVs and
// manifests imported one source each through the engine. Shared by test/reliability/fuzz.test.ts (CI size)
// and scripts/fuzz.ts (nightly size).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { Engine } from '../../../electron/engine/index.ts';
import {
  Rng,
  manyFrames,
  mutateCsv,
  mutateDicom,
  mutateJpeg,
  mutatePng,
  pngBomb,
  type Mutant,
} from './fuzz-mutate.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'dicom');
const padchest = path.join(repoRoot, 'resources', 'sample-data', 'padchest');
const PADCHEST_CSV = 'PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv';

/** Seeds: explicit VR LE files (structure-aware mutations), other encodings and compressed pixel data. */
const DICOM_SEEDS = [
  'cr_12bit.dcm',
  'multiframe3.dcm',
  'nested_sequence.dcm',
  'rgb_planar0.dcm',
  'ct_signed.dcm',
  'mono8.dcm',
  'cr_12bit_implicit.dcm',
  'cr_12bit_bigendian.dcm',
  'cr_12bit_deflated.dcm',
  'jpeg_baseline.dcm',
  'codecs/j2k_lossless_multiframe.dcm',
  'codecs/jpeg_baseline_multiframe.dcm',
  'codecs/htj2k_lossless_cr12.dcm',
  'codecs/jpeg_baseline_ybr422.dcm',
];

export interface FuzzOptions {
  seed: number;
  cases: number;
  /** Work folder (emptied first). */
  dir: string;
  /** Files per import batch. */
  batch?: number;
  /** Per-file time limit given to the import (MEDPREP_FILE_TIMEOUT_S). */
  fileTimeoutS?: number;
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  imageCases: number;
  csvCases: number;
  imported: number;
  skipped: number;
  errors: number;
  timedOut: number;
  tooLarge: number;
  /** The fixed cases (bombs): file name → 'status: reason'. */
  fixed: Record<string, string>;
  /** Reasons recorded for image files, digits folded to N, with their counts. */
  reasons: Record<string, number>;
  /** Broken promises: a crash, a hang, a file without a record or reason, a job not done. Empty when all held. */
  failures: string[];
  seconds: number;
}

interface ImageCase {
  name: string;
  mutant: Mutant;
}

async function seeds() {
  const dicom = DICOM_SEEDS.map((f) => fs.readFileSync(path.join(fixtures, f)));
  const pngs = fs
    .readdirSync(path.join(padchest, '0'))
    .sort()
    .slice(0, 2)
    .map((f) => fs.readFileSync(path.join(padchest, '0', f)));
  const jpeg = await sharp(pngs[0]).resize(256).jpeg({ quality: 90 }).toBuffer();
  const jpegGrey = await sharp(pngs[1]).resize(200).toColourspace('b-w').jpeg().toBuffer();
  return { dicom, pngs, jpegs: [jpeg, jpegGrey] };
}

function imageCase(rng: Rng, i: number, s: Awaited<ReturnType<typeof seeds>>): ImageCase {
  const r = rng.next();
  const id = String(i).padStart(6, '0');
  if (r < 0.7) return { name: `case-${id}.dcm`, mutant: mutateDicom(rng, rng.pick(s.dicom)) };
  if (r < 0.85) return { name: `case-${id}.png`, mutant: mutatePng(rng, rng.pick(s.pngs)) };
  return { name: `case-${id}.jpg`, mutant: mutateJpeg(rng, rng.pick(s.jpegs)) };
}

function cli(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'electron', 'cli', 'bin.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: timeoutMs,
    maxBuffer: 64 << 20,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Stack frames or Node's crash banners on stderr mean something escaped the engine's error handling. */
function crashed(stderr: string): boolean {
  return /\n\s+at .+:\d+:\d+|Uncaught|FATAL ERROR|Segmentation fault|core dumped/u.test(stderr);
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  const batchSize = opts.batch ?? 100;
  fs.rmSync(opts.dir, { recursive: true, force: true });
  fs.mkdirSync(opts.dir, { recursive: true });
  const project = path.join(opts.dir, 'project');
  const rng = new Rng(opts.seed);
  const s = await seeds();
  const csvCases = Math.max(2, Math.round(opts.cases * 0.1));
  const imageCases = opts.cases - csvCases;
  const report: FuzzReport = {
    seed: opts.seed,
    cases: opts.cases,
    imageCases,
    csvCases,
    imported: 0,
    skipped: 0,
    errors: 0,
    timedOut: 0,
    tooLarge: 0,
    reasons: {},
    fixed: {},
    failures: [],
    seconds: 0,
  };
  const fail = (msg: string) => {
    report.failures.push(msg);
    log(`FAIL ${msg}`);
  };
  const env = { MEDPREP_FILE_TIMEOUT_S: String(opts.fileTimeoutS ?? 10) };

  const init = cli(['init', project, '--json'], env, 60_000);
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);

  // ---- images, in batches through the CLI ----
  for (let b = 0, i = 0; i < imageCases; b++) {
    const dir = path.join(opts.dir, 'sources', `batch-${String(b).padStart(3, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    const cases = new Map<string, string>();
    for (; i < imageCases && cases.size < batchSize; i++) {
      const c = imageCase(rng, i, s);
      fs.writeFileSync(path.join(dir, c.name), c.mutant.bytes);
      cases.set(c.name, c.mutant.what);
    }
    // Even batches are read through a manifest (PNG and JPEG are told apart from DICOM by their bytes), odd
    // ones as a DICOM folder walk (where PNG and JPEG are recorded as not DICOM).
    const format = b % 2 === 0 ? 'manifest' : 'dicom';
    if (b === 0) {
      // Decompression bombs: PNGs of a few hundred kilobytes that declare 400 megapixels (over libvips'
      // limit) and 100 megapixels of RGB (under it, over ours). A time bomb: a million 1×1 frames, ended
      // only by the per-file watchdog.
      fs.writeFileSync(path.join(dir, 'bomb-20000.png'), pngBomb(20_000, 20_000));
      cases.set('bomb-20000.png', 'png bomb 20000x20000');
      fs.writeFileSync(path.join(dir, 'bomb-rgb-10000.png'), pngBomb(10_000, 10_000, true));
      cases.set('bomb-rgb-10000.png', 'png bomb 10000x10000 RGB');
      fs.writeFileSync(path.join(dir, 'frames-1000000.dcm'), manyFrames(s.dicom[0]!, 1_000_000));
      cases.set('frames-1000000.dcm', 'a million 1x1 frames');
    }
    if (format === 'manifest') {
      const lines = [...cases.keys()].map((name) => JSON.stringify({ path: name }));
      fs.writeFileSync(path.join(dir, 'manifest.jsonl'), `${lines.join('\n')}\n`);
    }
    const r = cli(['import', project, dir, '--format', format, '--json'], env, 600_000);
    const where = `batch ${b} (seed ${opts.seed})`;
    if (r.code !== 0 || r.signal)
      fail(`${where}: import exited ${r.code ?? r.signal}: ${r.stderr.slice(0, 500)}`);
    if (crashed(r.stderr)) fail(`${where}: crash output on stderr: ${r.stderr.slice(0, 800)}`);
    checkBatch(project, dir, cases, report, (m) => fail(`${where}: ${m}`));
    log(`batch ${b}: ${cases.size} files, ${Math.round(performance.now() - started) / 1000} s`);
  }

  // ---- the imported mutants go through de-identification too ----
  const deid = cli(['deid', project, '--json'], env, 600_000);
  if (deid.code !== 0 || deid.signal)
    fail(`deid exited ${deid.code ?? deid.signal}: ${deid.stderr.slice(0, 500)}`);
  if (crashed(deid.stderr)) fail(`deid crash output: ${deid.stderr.slice(0, 800)}`);

  withDb(project, (db) => {
    const notDone = db.prepare("SELECT kind, state, message FROM jobs WHERE state != 'done'").all();
    for (const j of notDone) fail(`job not done: ${JSON.stringify(j)}`);
  });

  // ---- CSVs: one source per mutant, through the engine ----
  await fuzzCsvs(rng, csvCases, opts.dir, project, report, fail);

  withDb(project, (db) => {
    const ok = db.pragma('integrity_check', { simple: true });
    if (ok !== 'ok') fail(`integrity_check: ${String(ok)}`);
  });
  report.seconds = Math.round((performance.now() - started) / 100) / 10;
  return report;
}

function withDb(project: string, use: (db: Database.Database) => void): void {
  const db = new Database(path.join(project, 'project.db'), { readonly: true });
  try {
    use(db);
  } finally {
    db.close();
  }
}

/** Every file of the batch has exactly one record: imported, or skipped/error with a reason. */
function checkBatch(
  project: string,
  dir: string,
  cases: Map<string, string>,
  report: FuzzReport,
  fail: (m: string) => void,
): void {
  const db = new Database(path.join(project, 'project.db'), { readonly: true });
  try {
    const rows = db
      .prepare(
        'SELECT rel_path, status, reason FROM files JOIN sources ON sources.id = files.source_id WHERE sources.path = ?',
      )
      .all(dir) as { rel_path: string; status: string; reason: string | null }[];
    const seen = new Set(rows.map((r) => r.rel_path));
    for (const [name, what] of cases) if (!seen.has(name)) fail(`${name} (${what}) has no record`);
    for (const r of rows) {
      if (r.status === 'imported') report.imported++;
      else if (r.status === 'skipped') report.skipped++;
      else report.errors++;
      if (r.status !== 'imported' && !r.reason?.trim())
        fail(`${r.rel_path} (${cases.get(r.rel_path)}) is ${r.status} without a reason`);
      if (!r.rel_path.startsWith('case-')) report.fixed[r.rel_path] = `${r.status}: ${r.reason}`;
      if (r.reason) {
        const key = r.reason.replace(/\d+/gu, 'N').slice(0, 70);
        report.reasons[key] = (report.reasons[key] ?? 0) + 1;
      }
      if (r.reason?.includes('timed out')) report.timedOut++;
      if (r.reason?.includes('too large')) report.tooLarge++;
    }
  } finally {
    db.close();
  }
}

async function fuzzCsvs(
  rng: Rng,
  n: number,
  dir: string,
  project: string,
  report: FuzzReport,
  fail: (m: string) => void,
): Promise<void> {
  const csv = fs.readFileSync(path.join(padchest, PADCHEST_CSV));
  const pngNames = fs.readdirSync(path.join(padchest, '0')).sort().slice(0, 2);
  const manifest = Buffer.from(
    [
      'path,report,patient_id,study_id,split,labels',
      `${pngNames[0]},"FINDINGS: clear lungs. IMPRESSION: normal.",p1,s1,train,"{""Edema"": 0}"`,
      `${pngNames[1]},"FINDINGS: small effusion.",p2,s2,test,"{""Effusion"": 1}"`,
      'absent.png,,p3,s3,val,',
      'study.dcm,,,,,',
    ].join('\n') + '\n',
  );
  const engine = new Engine();
  try {
    await engine.invoke('project.open', { dir: project });
    for (let i = 0; i < n; i++) {
      const padchestCase = i % 2 === 0;
      const src = path.join(dir, 'csv', `case-${String(i).padStart(5, '0')}`);
      const m = mutateCsv(rng, padchestCase ? csv : manifest);
      // Two real images (the other rows point at files that are absent: recorded as such), and for the
      // manifest a DICOM file.
      fs.mkdirSync(path.join(src, '0'), { recursive: true });
      for (const p of pngNames)
        fs.copyFileSync(path.join(padchest, '0', p), path.join(src, padchestCase ? '0' : '', p));
      if (!padchestCase) fs.copyFileSync(path.join(fixtures, 'cr_12bit.dcm'), path.join(src, 'study.dcm'));
      fs.writeFileSync(path.join(src, padchestCase ? PADCHEST_CSV : 'manifest.csv'), m.bytes);
      const format = padchestCase ? 'padchest' : 'manifest';
      const where = `${format} case ${i} (${m.what})`;
      try {
        const job = await engine.invoke('import.start', { source: src, format });
        const end = await engine.waitForJob(job.id);
        // A CSV too broken to read fails the job with a reason: a clear error, nothing half-imported.
        // An unexpected exception shows as 'failed: …'; a refusal the import meant is its own sentence.
        if (end.state !== 'done' && !(end.state === 'failed' && !end.message.startsWith('failed:')))
          fail(`${where}: job ${end.state} '${end.message}'`);
        const s = await engine.invoke('import.summary', { jobId: job.id });
        for (const e of s.errors) if (!e.reason.trim()) fail(`${where}: ${e.path} has no reason`);
        report.imported += s.imported;
        report.skipped += s.skipped;
        report.errors += s.errors.length;
      } catch (err) {
        // Refused before a job exists (e.g. an empty CSV): must be a clear ApiError, not a crash.
        const msg = err instanceof Error ? err.message : String(err);
        if ((err as { code?: string }).code === undefined || /\n\s+at /u.test(msg))
          fail(`${where}: threw ${msg}`);
      }
    }
  } finally {
    await engine.close();
  }
}
