// `node scripts/make-big-project.ts N DIR`: a realistic N-image project for browsing benchmarks and tests,
// written straight into the store (no DICOM is decoded): synthetic patients, studies, CheXpert-style labels,
// tags, splits, quarantine, de-identification, curation and duplicate rows, and a handful of real thumbnail
// PNGs that every row shares (each row keeps its own pixel hash, so each card has its own media URL).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { appVersion } from '../electron/engine/app-root.ts';
import { DEFAULT_DEID_SETTINGS } from '../electron/engine/deid/settings.ts';
import { Project } from '../electron/engine/project/project.ts';
import { seededRandom } from './seeded-random.ts';

export const FINDINGS = [
  'Atelectasis',
  'Cardiomegaly',
  'Consolidation',
  'Edema',
  'Enlarged Cardiomediastinum',
  'Fracture',
  'Lung Lesion',
  'Lung Opacity',
  'No Finding',
  'Pleural Effusion',
  'Pleural Other',
  'Pneumonia',
  'Pneumothorax',
  'Support Devices',
];
const VIEWS = ['PA', 'PA', 'PA', 'AP', 'AP', 'LATERAL', 'LATERAL', 'LL', null];
const TAGS = ['review', 'teaching', 'portable', 'artefact', 'good-example'];
const THUMBS = 8;

/** A grey chest-like picture: dark lungs in a bright mediastinum, varied per index. */
async function thumbnailPng(k: number): Promise<Buffer> {
  const w = 256;
  const h = 256;
  const px = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const dx = (x - w / 2) / (w / 2);
      const dy = (y - h / 2) / (h / 2);
      const lung = (cx: number) => ((dx - cx) / 0.32) ** 2 + (dy / (0.62 + 0.03 * k)) ** 2 < 1;
      let v = 190 - 60 * Math.abs(dy);
      if (lung(-0.42) || lung(0.42)) v = 55 + 10 * k + 30 * Math.abs(dy);
      if (Math.abs(dx) < 0.08 && dy > -0.8) v = 230;
      px[y * w + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  return sharp(px, { raw: { width: w, height: h, channels: 1 } })
    .png()
    .toBuffer();
}

export interface BigProjectSummary {
  dir: string;
  images: number;
  patients: number;
  studies: number;
  ms: number;
}

export async function makeBigProject(n: number, dir: string, seed = 9): Promise<BigProjectSummary> {
  const started = performance.now();
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const project = Project.create(dir, `Big project (${n} images)`, appVersion());
  const db = project.db;
  const thumbs = path.join(project.cacheDir, 'thumbs', 'synthetic');
  fs.mkdirSync(thumbs, { recursive: true });
  for (let k = 0; k < THUMBS; k++) fs.writeFileSync(path.join(thumbs, `${k}.png`), await thumbnailPng(k));

  const now = new Date().toISOString();
  let patients = 0;
  let studies = 0;
  db.transaction(() => {
    const src = Number(
      db
        .prepare(`INSERT INTO sources (path, format, added_at) VALUES (?, 'mimic-cxr', ?)`)
        .run(path.join(dir, 'source', 'mimic-cxr'), now).lastInsertRowid,
    );
    const src2 = Number(
      db
        .prepare(`INSERT INTO sources (path, format, added_at) VALUES (?, 'padchest', ?)`)
        .run(path.join(dir, 'source', 'padchest'), now).lastInsertRowid,
    );
    const deidRun = Number(
      db
        .prepare(`INSERT INTO deid_runs (profile, options, created_at) VALUES ('basic', ?, ?)`)
        .run(JSON.stringify(DEFAULT_DEID_SETTINGS), now).lastInsertRowid,
    );
    db.prepare(
      `INSERT INTO curate_runs (id, recipe, analyse, state, created_at, finished_at) VALUES ('big-run', '', 0, 'done', ?, ?)`,
    ).run(now, now);
    const insPatient = db.prepare('INSERT INTO patients (patient_key, sex, birth_date) VALUES (?, ?, ?)');
    const insStudy = db.prepare(
      'INSERT INTO studies (patient_id, study_uid, study_date, official_split) VALUES (?, ?, ?, ?)',
    );
    const insSeries = db.prepare(
      'INSERT INTO series (study_id, series_uid, modality, series_number) VALUES (?, ?, ?, 1)',
    );
    const insFile = db.prepare(
      `INSERT INTO files (source_id, rel_path, size, mtime_ms, status) VALUES (?, ?, ?, 0, 'imported')`,
    );
    const insImage = db.prepare(
      `INSERT INTO images (file_id, series_id, frame, sop_uid, sop_class_uid, rows, columns, bits_allocated,
         bits_stored, samples_per_pixel, photometric, modality, body_part, view_position, transfer_syntax,
         pixel_hash, window_source, thumbnail, header)
       VALUES (?, ?, 0, ?, '1.2.840.10008.5.1.4.1.1.1.1', ?, ?, 16, 12, 1, 'MONOCHROME2', ?, 'CHEST', ?,
         '1.2.840.10008.1.2.1', ?, 'header', ?, '{}')`,
    );
    const insLabel = db.prepare(
      `INSERT INTO labels (study_id, source, name, value) VALUES (?, 'chexpert', ?, ?)`,
    );
    const insTag = db.prepare('INSERT INTO tags (image_id, tag) VALUES (?, ?)');
    const insDeid = db.prepare(
      `INSERT INTO deid_images (image_id, run_id, input_key, status) VALUES (?, ?, 'synthetic', ?)`,
    );
    const insQuarantine = db.prepare(
      `INSERT INTO quarantine (image_id, reason) VALUES (?, 'burned-in text')`,
    );
    const insKept = db.prepare(`INSERT INTO curate_kept (image_id, run_id, split) VALUES (?, 'big-run', ?)`);
    const insRemoved = db.prepare(
      `INSERT INTO filter_decisions (run_id, image_id, operator, threshold, decision)
       VALUES ('big-run', ?, 'image.min_size', '≥ 128 px', 'remove')`,
    );
    const insCluster = db.prepare(
      `INSERT INTO dedup_clusters (method, representative_image_id, run_id) VALUES ('near-image', ?, 'big-run')`,
    );
    const insMember = db.prepare(
      'INSERT INTO dedup_members (cluster_id, image_id, distance) VALUES (?, ?, ?)',
    );

    let made = 0;
    let lastImage = 0;
    while (made < n) {
      patients++;
      const source = random() < 0.8 ? src : src2;
      const sex = random() < 0.02 ? null : random() < 0.5 ? 'M' : 'F';
      const birthYear = 1925 + Math.floor(random() * 80);
      const patient = Number(
        insPatient.run(`P${String(patients).padStart(8, '0')}`, sex, `${birthYear}0615`).lastInsertRowid,
      );
      const split = random() < 0.9 ? 'train' : random() < 0.5 ? 'validate' : 'test';
      const nStudies = 1 + Math.floor(random() * 3);
      for (let s = 0; s < nStudies && made < n; s++) {
        studies++;
        const year = Math.min(2024, birthYear + 18 + Math.floor(random() * 70));
        const date = `${year}${String(1 + Math.floor(random() * 12)).padStart(2, '0')}${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
        const study = Number(
          insStudy.run(patient, `2.25.${patients}.${s}`, date, source === src ? split : null).lastInsertRowid,
        );
        const series = Number(insSeries.run(study, `2.25.${patients}.${s}.1`, 'DX').lastInsertRowid);
        for (const name of FINDINGS) {
          const r = random();
          if (r < 0.55) continue; // not mentioned
          insLabel.run(study, name, r < 0.7 ? 1 : r < 0.78 ? -1 : 0);
        }
        const nImages = 1 + Math.floor(random() * 2);
        for (let k = 0; k < nImages && made < n; k++) {
          made++;
          const rel = `p${patients % 100}/p${patients}/s${studies}/${crypto.randomUUID()}.dcm`;
          const file = Number(insFile.run(source, rel, 2_000_000 + made).lastInsertRowid);
          const view = pick(VIEWS);
          const image = Number(
            insImage.run(
              file,
              series,
              `2.25.${patients}.${s}.1.${k}`,
              2544 + Math.floor(random() * 500),
              3056,
              'DX',
              view,
              crypto.createHash('sha256').update(`${seed}:${made}`).digest('hex'),
              `thumbs/synthetic/${made % THUMBS}.png`,
            ).lastInsertRowid,
          );
          if (random() < 0.08) insTag.run(image, pick(TAGS));
          const q = random() < 0.01;
          if (q) insQuarantine.run(image);
          const d = random();
          if (d < 0.85) insDeid.run(image, deidRun, d < 0.84 ? 'done' : 'error');
          if (!q && random() < 0.9) insKept.run(image, split);
          else if (!q) insRemoved.run(image);
          if (lastImage && random() < 0.03) {
            const c = Number(insCluster.run(lastImage).lastInsertRowid);
            insMember.run(c, lastImage, 0);
            insMember.run(c, image, 1);
          }
          lastImage = image;
        }
      }
    }
  })();
  project.close();
  return { dir: path.resolve(dir), images: n, patients, studies, ms: performance.now() - started };
}

if (import.meta.main) {
  const [nArg, dir] = process.argv.slice(2);
  const n = Number(nArg);
  if (!Number.isInteger(n) || n < 1 || !dir) {
    console.error('usage: node scripts/make-big-project.ts N DIR');
    process.exit(2);
  }
  const s = await makeBigProject(n, dir);
  console.log(
    `${s.images} images, ${s.patients} patients, ${s.studies} studies in ${s.dir} (${Math.round(s.ms)} ms)`,
  );
}
