/**
 * Curation speed on 400,000 generated samples (no images: metadata rows and hashes only).
 *
 *   node bench/curate.ts [--samples 400000] [--json]
 *
 * Baselines measured in the same run: the same text clustering in one worker thread, and a brute-force
 * Hamming scan over every pair (timed on a sample of queries and scaled to all pairs).
 *
 * - Near-duplicate text, end to end through the engine's own code (dedup.ts textClusters): reports grouped
 *   by identical text, MinHash signatures in worker threads sized to the cores, LSH banding, verification,
 *   union-find clusters and the boilerplate cap. Reports are radiology-ish: a quarter are one of a few normal
 *   one-liners, the rest combine sentences with measurements, many of them near-duplicates.
 *   Target: ≥ 15,000 reports/s on 2 cores (reference Python tools: about 6,000–11,000 per core).
 * - Perceptual-hash near-duplicate search: 400,000 image rows in a project's SQLite file, 64-bit hashes
 *   clustered like chest radiographs (look-alike films) with planted copies; the banded index is built, then
 *   every pair within the review radius is found and verified. Target: search under 10 s.
 * - Peak memory (max RSS) of the process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { textClusters } from '../electron/engine/curate/dedup.ts';
import { nearPairs, syncPhashIndex } from '../electron/engine/curate/phash-index.ts';
import { parseRecipe, defaultRecipeText } from '../electron/engine/curate/recipe.ts';
import type { Sample } from '../electron/engine/curate/samples.ts';
import { Project } from '../electron/engine/project/project.ts';
import { seededRandom as rng } from '../scripts/seeded-random.ts';

export interface BenchFigure {
  label: string;
  value: number;
  unit: string;
  baseline?: { label: string; value: number };
  ratio?: number;
}

const NORMALS = [
  'No acute cardiopulmonary process.',
  'No acute intrathoracic abnormality.',
  'Lungs are clear. No pleural effusion or pneumothorax. Heart size is normal.',
  'Normal chest radiograph.',
];
const SENTENCES = [
  (r: () => number) => `There is a ${(1 + r() * 40).toFixed(0)} mm nodule in the ${pick(r, LOBES)}.`,
  (r: () => number) => `${cap(pick(r, SIDES))} pleural effusion is ${pick(r, SIZES)}.`,
  (r: () => number) => `The endotracheal tube terminates ${(2 + r() * 5).toFixed(1)} cm above the carina.`,
  (r: () => number) => `Opacity in the ${pick(r, LOBES)} may represent atelectasis or pneumonia.`,
  (r: () => number) =>
    `A ${(1 + r() * 6).toFixed(1)} x ${(1 + r() * 4).toFixed(1)} cm mass is seen in the ${pick(r, LOBES)}.`,
  () => 'The cardiomediastinal silhouette is within normal limits.',
  () => 'There is no pneumothorax.',
  () => 'Mild pulmonary vascular congestion is present.',
  () => 'Degenerative changes of the thoracic spine are noted.',
  (r: () => number) =>
    `Compared with the prior study from ${1 + Math.floor(r() * 28)} days ago, findings are ${pick(r, TREND)}.`,
  () => 'Right internal jugular central venous catheter tip in the mid SVC.',
  () => 'Cardiomegaly is stable.',
  () => 'Bibasilar atelectasis.',
  () => 'Median sternotomy wires are intact.',
];
const LOBES = [
  'right upper lobe',
  'right middle lobe',
  'right lower lobe',
  'left upper lobe',
  'lingula',
  'left lower lobe',
];
const SIDES = ['right', 'left', 'bilateral'];
const SIZES = ['small', 'moderate', 'large', 'unchanged', 'decreased'];
const TREND = ['unchanged', 'improved', 'slightly worse', 'similar'];
const pick = <T>(r: () => number, xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

function syntheticSamples(n: number): Sample[] {
  const r = rng(42);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    let findings: string;
    let impression: string;
    if (r() < 0.25) {
      findings = pick(r, NORMALS);
      impression = 'No acute cardiopulmonary process.';
    } else {
      const k = 2 + Math.floor(r() * 5);
      findings = Array.from({ length: k }, () => pick(r, SENTENCES)(r)).join(' ');
      impression = pick(r, SENTENCES)(r);
    }
    out.push({
      id: i + 1,
      sourceId: 1,
      rows: 2500,
      columns: 2048,
      bitsStored: 12,
      modality: 'DX',
      bodyPart: 'CHEST',
      viewPosition: i % 3 === 2 ? 'LATERAL' : 'PA',
      meta: '{}',
      thumbnail: null,
      pixelHash: String(i),
      phash: null,
      studyId: i + 1,
      studyDate: '20200101',
      patientId: Math.floor(i / 3) + 1,
      patientKey: `p${Math.floor(i / 3)}`,
      birthDate: null,
      birthYear: null,
      officialSplit: null,
      reportId: i + 1,
      reportRaw: null,
      sections: JSON.stringify({ findings, impression }),
      stemmed: 0,
      quarantine: 'none',
    });
  }
  return out;
}

function hex(hi: number, lo: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** Hashes clustered around look-alike templates (chest films resemble each other), plus planted copies. */
function syntheticHashes(n: number): string[] {
  const r = rng(7);
  const u32 = () => Math.floor(r() * 2 ** 32) >>> 0;
  const templates = Array.from({ length: 256 }, () => [u32(), u32()] as const);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && r() < 0.02) {
      const prev = out[Math.floor(r() * out.length)]!;
      let hi = Number.parseInt(prev.slice(0, 8), 16);
      let lo = Number.parseInt(prev.slice(8), 16);
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--) {
        const b = Math.floor(r() * 64);
        if (b < 32) hi ^= 1 << b;
        else lo ^= 1 << (b - 32);
      }
      out.push(hex(hi, lo));
      continue;
    }
    const [th, tl] = pick(r, templates);
    let hi = th;
    let lo = tl;
    for (let b = 0; b < 32; b++) {
      if (r() < 0.2) hi ^= 1 << b;
      if (r() < 0.2) lo ^= 1 << b;
    }
    out.push(hex(hi, lo));
  }
  return out;
}

function seedImages(project: Project, hashes: string[]): void {
  const db = project.db;
  db.exec(`INSERT INTO sources (id, path, format, added_at) VALUES (1, '/bench', 'dicom', 'now');
    INSERT INTO files (id, source_id, rel_path, size, mtime_ms, status) VALUES (1, 1, 'bench', 0, 0, 'imported');
    INSERT INTO patients (id, patient_key) VALUES (1, 'bench');
    INSERT INTO studies (id, patient_id, study_uid) VALUES (1, 1, 'bench');
    INSERT INTO series (id, study_id, series_uid) VALUES (1, 1, 'bench');`);
  const ins = db.prepare(
    `INSERT INTO images (file_id, series_id, frame, sop_uid, sop_class_uid, rows, columns, bits_allocated,
       bits_stored, samples_per_pixel, photometric, transfer_syntax, pixel_hash, phash, window_source, header)
     VALUES (1, 1, ?, 'u', 'c', 2500, 2048, 16, 12, 1, 'MONOCHROME2', 't', ?, ?, 'none', '{}')`,
  );
  db.transaction(() => hashes.forEach((h, i) => ins.run(i, String(i), h)))();
}

/** Seconds a brute-force all-pairs Hamming scan would take: `queries` rows timed against all, scaled up. */
function bruteForceSeconds(hashes: string[], radius: number, queries = 500): number {
  const hi = Uint32Array.from(hashes, (h) => Number.parseInt(h.slice(0, 8), 16));
  const lo = Uint32Array.from(hashes, (h) => Number.parseInt(h.slice(8), 16));
  const pop = (x: number) => {
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  };
  const q = Math.min(queries, hashes.length);
  let found = 0;
  const t = performance.now();
  for (let i = 0; i < q; i++) {
    for (let j = i + 1; j < hashes.length; j++)
      if (pop(hi[i]! ^ hi[j]!) + pop(lo[i]! ^ lo[j]!) <= radius) found++;
  }
  const s = (performance.now() - t) / 1000;
  if (found < 0) throw new Error('unreachable'); // keeps the loop from being optimised away
  // Row i compares with n - i - 1 others; all rows together make n(n-1)/2 comparisons.
  const timed = q * hashes.length - (q * (q + 1)) / 2;
  return (s * (hashes.length * (hashes.length - 1))) / 2 / timed;
}

export async function run(
  opts: { samples?: number; argv?: string[] } = {},
): Promise<{ name: 'curate'; figures: BenchFigure[]; notes: string[] }> {
  const fromArgv = opts.argv
    ? parseArgs({ args: opts.argv, options: { samples: { type: 'string' } }, strict: false }).values.samples
    : undefined;
  const n = opts.samples ?? (typeof fromArgv === 'string' ? Number(fromArgv) : 400_000);
  const recipe = parseRecipe(defaultRecipeText());
  const figures: BenchFigure[] = [];
  const cores = os.availableParallelism();

  const samples = syntheticSamples(n);
  const secret = Buffer.alloc(32, 1);
  const workers = Math.max(1, Math.min(4, cores));
  const t0 = performance.now();
  const text = await textClusters(samples, recipe.dedup.nearText, secret, workers);
  const textS = (performance.now() - t0) / 1000;
  const t0b = performance.now();
  await textClusters(samples, recipe.dedup.nearText, secret, 1);
  const oneS = (performance.now() - t0b) / 1000;
  figures.push(
    {
      label: `MinHash + LSH + clusters, ${n.toLocaleString('en')} reports (${workers} workers; target 15,000)`,
      value: Math.round(n / textS),
      unit: 'reports/s',
      baseline: { label: 'one worker', value: Math.round(n / oneS) },
      ratio: oneS / textS,
    },
    { label: 'distinct report texts hashed', value: text.texts, unit: 'texts' },
    {
      label: 'near-text clusters',
      value: text.clusters.filter((c) => c.method === 'near-text').length,
      unit: 'clusters',
    },
  );
  samples.length = 0;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-bench-curate-'));
  try {
    const project = Project.create(path.join(dir, 'p'), 'bench', 'bench');
    const hashes = syntheticHashes(n);
    seedImages(project, hashes);
    const radius = recipe.dedup.nearImage.reviewRadius;
    const brute = bruteForceSeconds(hashes, radius);
    const t1 = performance.now();
    syncPhashIndex(project.db, radius + 1);
    const indexS = (performance.now() - t1) / 1000;
    const t2 = performance.now();
    const pairs = nearPairs(project.db, radius);
    const searchS = (performance.now() - t2) / 1000;
    figures.push(
      {
        label: `phash banded index build, ${n.toLocaleString('en')} hashes`,
        value: round(indexS),
        unit: 's',
      },
      {
        label: `phash near-duplicate search (radius ${radius}), ${n.toLocaleString('en')} hashes (lower is better; target 10 s)`,
        value: round(searchS),
        unit: 's',
        baseline: { label: 'brute-force all pairs', value: round(brute) },
        ratio: brute / searchS,
      },
      { label: 'phash pairs within the radius', value: pairs.length, unit: 'pairs' },
    );
    project.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  figures.push({
    label: 'peak memory (max RSS)',
    value: Math.round(process.resourceUsage().maxRSS / 1024),
    unit: 'MiB',
  });
  const notes = [
    'baselines: one worker thread; a brute-force Hamming scan of all pairs, timed on 500 rows and scaled',
  ];
  return { name: 'curate', figures, notes };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { samples: { type: 'string' }, json: { type: 'boolean' } } });
  const result = await run(values.samples ? { samples: Number(values.samples) } : {});
  if (values.json) console.log(JSON.stringify(result));
  else
    for (const f of result.figures)
      console.log(
        `${f.label.padEnd(66)} ${String(f.value).padStart(10)} ${f.unit}${f.baseline ? `  (${f.baseline.label}: ${f.baseline.value})` : ''}`,
      );
}
