/**
 * The bundle's content before anything is written: samples as bundle records, the images they show (keyed
 * pseudonymous names), one metadata row per image with de-identified attributes only, the counts of every
 * stage and the identifiers the leak gate checks against.
 */
import { createHmac } from 'node:crypto';
import type { ExportImageKind, ExportOptions } from '../../api/export.ts';
import type { SftCounts } from '../../api/sft.ts';
import { pseudonym, pseudonymToken } from '../deid-dicom/pseudonyms.ts';
import { buildMatcher, type ScanItem, type ScopedIdentifiers } from '../leak-gate/index.ts';
import { acceptedIn } from '../leak-gate/review.ts';
import type { Project } from '../project/project.ts';
import { eligibleImages, latestRun, readSamples, type SftRecipe } from '../sft/index.ts';
import { latestCurationRun } from '../curate/index.ts';
import { ApiError } from '../errors.ts';
import { DEFAULT_SHARD_BYTES, type BundleSample, type BundleSplit } from './formats.ts';
import { itemScoper, projectIdentifiers } from './identifiers.ts';
import { type KeptOnPurpose, keptOnPurpose, keptOnPurposeText } from './kept-on-purpose.ts';
import { imagesWithText } from './pixel-gate.ts';
import { extensionFor, sourceImages, type SourceImage } from './images.ts';
import { identityKeySql } from '../patients/identity.ts';

export interface MetadataRow {
  image: string;
  patient: string;
  study: string;
  /** 1 for the patient's first study in time, 2 for the next…; no dates. */
  study_order: number;
  split: BundleSplit;
  view: string | null;
  modality: string | null;
  labels: Record<string, Record<string, number | null>>;
}

export interface StageCounts {
  import: {
    images: number;
    studies: number;
    patients: number;
    reports: number;
    fileErrors: number;
    filesSkipped: number;
  };
  curation: { removed: number; quarantined: number; eligible: number };
  sft: SftCounts | null;
  export: {
    samples: number;
    images: number;
    bySplit: Partial<Record<BundleSplit, number>>;
    byTask: Record<string, number>;
  };
}

export interface BundlePlan {
  options: Required<Omit<ExportOptions, 'archive'>> & { archive: ExportOptions['archive'] | null };
  samples: BundleSample[];
  /** Bundle path → source image. */
  images: Map<string, SourceImage>;
  metadata: MetadataRow[];
  counts: StageCounts;
  recipe: SftRecipe | null;
  identifiers: ScopedIdentifiers[];
  /** Review hits of the leak gate a person accepted that the samples' texts meet (for the card). */
  acceptedLeakHits: number;
  /** Bundle names of the images whose source had burned-in text: the leak gate reads them again by OCR. */
  pixelChecks: string[];
  secretFingerprint: string;
  deidProfile: string;
}

export const SPLIT_NAME: Record<string, BundleSplit> = {
  train: 'train',
  validate: 'validation',
  test: 'test',
};

/** A short keyed fingerprint of the project secret: tells bundles of one project apart, reveals nothing. */
export function secretFingerprint(secret: Buffer): string {
  return createHmac('sha256', secret).update('medprep-secret-fingerprint').digest('hex').slice(0, 16);
}

export function normaliseOptions(o: ExportOptions): BundlePlan['options'] {
  const maxSide = o.maxSide ?? 512;
  if (!Number.isInteger(maxSide) || maxSide < 16 || maxSide > 8192)
    throw new ApiError('bad-request', 'maxSide must be an integer from 16 to 8192.');
  const shardBytes = o.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes < 1)
    throw new ApiError('bad-request', 'shardBytes must be a positive whole number of bytes.');
  return { format: o.format, images: o.images ?? 'png', maxSide, archive: o.archive ?? null, shardBytes };
}

function count(project: Project, sql: string): number {
  return (project.db.prepare(sql).get() as { n: number }).n;
}

function latestDeidRun(project: Project): { profile: string; options: string } | undefined {
  return project.db.prepare('SELECT profile, options FROM deid_runs ORDER BY id DESC LIMIT 1').get() as
    { profile: string; options: string } | undefined;
}

function deidProfile(project: Project, images: ExportImageKind, kept: KeptOnPurpose[]): string {
  const run = latestDeidRun(project);
  const text = run
    ? `De-identification run: profile ${run.profile}, options ${run.options}.`
    : 'Report text: scrubbed when the samples were generated (MedPrep rules plus the identifiers of each study’s headers; tags such as [NAME] replace what was found; sentences still carrying one are handled per the recipe).';
  const img =
    images === 'dicom'
      ? 'DICOM images: PS3.15 Basic Application Level Confidentiality Profile with the options of the de-identification run (UIDs replaced by keyed UIDs, patient ID and name by keyed pseudonyms), masked regions blanked. Raster sources are written as PNG, masked regions blanked.'
      : 'Images: rendered from the pixels only, masked regions blanked; no DICOM header travels with them. Images in quarantine (suspected burned-in text) without a release decision are left out.';
  return `${text} ${img} ${keptOnPurposeText(kept)}`;
}

export function planBundle(project: Project, options: ExportOptions): BundlePlan {
  const opts = normaliseOptions(options);
  const secret = project.secret();
  const kept = keptOnPurpose(project.db, opts.images === 'dicom');
  // An image a person excluded after SFT ran leaves the bundle now, with every sample that shows it.
  const excluded = new Set(
    (project.db.prepare('SELECT image_id FROM exclusions').all() as { image_id: number }[]).map(
      (r) => r.image_id,
    ),
  );
  const rows = readSamples(project.db).filter((r) => !r.imageIds.some((id) => excluded.has(id)));
  if (rows.length === 0)
    throw new ApiError('conflict', 'There are no SFT samples; run SFT generation (medprep sft) first.');
  const ids = [...new Set(rows.flatMap((r) => r.imageIds))].sort((a, b) => a - b);
  const src = sourceImages(project, ids);
  // An image is named by a keyed token of its SOP Instance UID and frame. Two different images can share
  // those (the same instance imported from two sources with its pixels changed): they then also key on the
  // patient and the pixels, else samples of two patients pointed at one file (found by the kill harness).
  const baseKey = (im: SourceImage) => `${im.sopUid}/${im.frame}`;
  const uses = new Map<string, number>();
  for (const id of ids) uses.set(baseKey(src.get(id)!), (uses.get(baseKey(src.get(id)!)) ?? 0) + 1);
  const nameOf = new Map<number, string>();
  for (const id of ids) {
    const im = src.get(id)!;
    const key = uses.get(baseKey(im))! > 1 ? `${baseKey(im)}/${im.patientKey}/${im.pixelHash}` : baseKey(im);
    const token = pseudonymToken(secret, 'bundle-image', key).toLowerCase();
    nameOf.set(id, `images/i${token}.${extensionFor(im, opts.images)}`);
  }
  const studyUid = project.db.prepare('SELECT study_uid AS uid FROM studies WHERE id = ?');
  const studyPseudonym = (id: number) =>
    pseudonym(secret, 'study', (studyUid.get(id) as { uid: string } | undefined)?.uid ?? `missing:${id}`);
  const samples: BundleSample[] = rows.map((r) => ({
    id: r.key,
    task: r.task,
    template_id: r.templateId,
    generator: r.generator,
    split: SPLIT_NAME[r.split] ?? 'train',
    instruction: r.instruction,
    response: r.response,
    images: r.imageIds.map((id) => nameOf.get(id)!),
    studies: r.sourceRecords.studies.map(studyPseudonym),
  }));
  samples.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const imageSplit = new Map<string, BundleSplit>();
  for (const s of samples) for (const p of s.images) if (!imageSplit.has(p)) imageSplit.set(p, s.split);
  const info = project.db.prepare(
    `SELECT i.view_position AS view, i.modality, s.id AS studyId, s.study_uid AS studyUid, p.id AS pid,
            ${identityKeySql('p')} AS patientKey
     FROM images i JOIN series se ON se.id = i.series_id JOIN studies s ON s.id = se.study_id
     JOIN patients p ON p.id = s.patient_id WHERE i.id = ?`,
  );
  const studiesOf = project.db.prepare(
    'SELECT id FROM studies WHERE patient_id = ? ORDER BY study_date, study_time, id',
  );
  const labelsOf = project.db.prepare(
    'SELECT source, name, value FROM labels WHERE study_id = ? ORDER BY source, name',
  );
  const patients = new Set<number>();
  const metadata: MetadataRow[] = [];
  const images = new Map<string, SourceImage>();
  for (const id of ids) {
    const name = nameOf.get(id)!;
    images.set(name, src.get(id)!);
    const r = info.get(id) as {
      view: string | null;
      modality: string | null;
      studyId: number;
      studyUid: string;
      pid: number;
      patientKey: string;
    };
    patients.add(r.pid);
    const order = (studiesOf.all(r.pid) as { id: number }[]).findIndex((s) => s.id === r.studyId) + 1;
    const labels: MetadataRow['labels'] = {};
    for (const l of labelsOf.all(r.studyId) as { source: string; name: string; value: number | null }[]) {
      (labels[l.source] ??= {})[l.name] = l.value;
    }
    metadata.push({
      image: name,
      patient: pseudonym(secret, 'patient', r.patientKey),
      study: pseudonym(secret, 'study', r.studyUid),
      study_order: order,
      split: imageSplit.get(name) ?? 'train',
      view: r.view,
      modality: r.modality,
      labels,
    });
  }
  metadata.sort((a, b) => (a.image < b.image ? -1 : 1));

  const run = latestRun(project.db);
  const bySplit: StageCounts['export']['bySplit'] = {};
  const byTask: Record<string, number> = {};
  for (const s of samples) {
    bySplit[s.split] = (bySplit[s.split] ?? 0) + 1;
    byTask[s.task] = (byTask[s.task] ?? 0) + 1;
  }
  const latestCuration = latestCurationRun(project.db, true);
  const counts: StageCounts = {
    import: {
      images: count(project, 'SELECT COUNT(*) AS n FROM images'),
      studies: count(project, 'SELECT COUNT(*) AS n FROM studies'),
      patients: count(project, 'SELECT COUNT(*) AS n FROM patients'),
      reports: count(project, 'SELECT COUNT(*) AS n FROM reports'),
      fileErrors: count(project, "SELECT COUNT(*) AS n FROM files WHERE status = 'error'"),
      filesSkipped: count(project, "SELECT COUNT(*) AS n FROM files WHERE status = 'skipped'"),
    },
    curation: {
      removed: (
        project.db
          .prepare(
            "SELECT COUNT(DISTINCT image_id) AS n FROM filter_decisions WHERE run_id = ? AND decision = 'remove'",
          )
          .get(latestCuration?.id ?? '') as { n: number }
      ).n,
      quarantined: count(
        project,
        "SELECT COUNT(*) AS n FROM quarantine WHERE decision IS NULL OR decision <> 'release'",
      ),
      eligible: eligibleImages(project.db).length,
    },
    sft: run?.counts ?? null,
    export: { samples: samples.length, images: ids.length, bySplit, byTask },
  };
  const identifiers = projectIdentifiers(
    project.db,
    patients,
    (key) => pseudonym(secret, 'patient', key),
    kept.flatMap((k) => k.keys),
  );
  const scope = itemScoper(
    new Map(metadata.map((m) => [m.image, m.patient])),
    new Map(samples.map((s) => [s.id, s.images])),
  );
  const sampleTexts = samples.map((s) =>
    scope({ file: 'samples', record: s.id, text: `${s.instruction}\n${s.response}` }),
  );
  return {
    options: opts,
    samples,
    images,
    metadata,
    counts,
    recipe: run?.recipe ?? null,
    identifiers,
    acceptedLeakHits: acceptedIn(project.db, sampleTexts, buildMatcher(identifiers)),
    pixelChecks: imagesWithText(project.db, images),
    secretFingerprint: secretFingerprint(secret),
    deidProfile: deidProfile(project, opts.images, kept),
  };
}

/** Scan items of a text file: one per JSON array element or JSONL line (named by its id), else the whole text. */
export function scanItemsOf(file: string, data: Buffer | string): ScanItem[] {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  const idOf = (v: unknown, fallback: string) =>
    typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string'
      ? (v as { id: string }).id
      : typeof v === 'object' && v !== null && typeof (v as { image?: unknown }).image === 'string'
        ? (v as { image: string }).image
        : fallback;
  if (file.endsWith('.jsonl')) {
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((line, i) => {
        let record = `line ${i + 1}`;
        try {
          record = idOf(JSON.parse(line), record);
        } catch {
          // An unparsable line is still scanned, under its line number.
        }
        return { file, record, text: line };
      });
  }
  if (file.endsWith('.json')) {
    try {
      const doc = JSON.parse(text) as unknown;
      if (Array.isArray(doc))
        return doc.map((v, i) => ({ file, record: idOf(v, `item ${i + 1}`), text: JSON.stringify(v) }));
    } catch {
      // Scanned whole below.
    }
  }
  return [{ file, record: file === 'README.md' ? 'dataset card' : 'whole file', text }];
}

/**
 * The manifest as the leak gate reads it: everything but the files' sizes and SHA-256 digests, which MedPrep
 * computes and which cannot carry PHI, while at scale some size equals a numeric identifier (a ZIP code, a
 * study or subject ID) by chance and would refuse every large export. The paths stay in.
 */
export function manifestScanItem<T extends { files?: unknown }>(manifest: T): ScanItem {
  const files = Array.isArray(manifest.files)
    ? manifest.files.map((f: unknown) =>
        typeof f === 'object' && f !== null ? (f as { path?: unknown }).path : f,
      )
    : manifest.files;
  return { file: 'manifest.json', record: 'manifest', text: JSON.stringify({ ...manifest, files }, null, 2) };
}
