/**
 * De-identified images on demand. The project never stores de-identified DICOM bytes: they are regenerated
 * from the source file with the project key and the options of the run that did the image (deterministic),
 * with the image's masks (drawn and rule masks, `masksForImage`) blanked. Also the header before/after table, the quarantine queue and masks.
 */
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { thumbnailPath } from '../../api/contract.ts';
import type {
  DeidSettings,
  HeaderDiffRow,
  MaskRectangle,
  QuarantineDecision,
  QuarantineItem,
} from '../../api/deid.ts';
import { appVersion } from '../app-root.ts';
import { type DeidResult, deidentifyDicom } from '../deid-dicom/index.ts';
import {
  type DicomDataset,
  type DicomElement,
  elementNumbers,
  elementStrings,
  formatTag,
  keywordOf,
  parseDicom,
  TEXT_VRS,
} from '../dicom/index.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../project/database.ts';
import type { Project } from '../project/project.ts';
import { headerCleaner } from './clean.ts';
import { knownForPatient } from './known.ts';
import { masksForImage } from './masks.ts';
import { dicomOptions } from './settings.ts';
import { identityKeySql } from '../patients/identity.ts';

interface ImageSource {
  abs: string;
  patientId: number;
  patientKey: string;
  status: string | null;
  options: string | null;
}

/**
 * A file's absolute path from its source and rel_path: a file source (one DICOM, a manifest) records paths
 * relative to its folder, a manifest may record absolute ones.
 */
export function sourceFile(source: string, rel: string): string {
  if (path.isAbsolute(rel)) return rel;
  let isFile = false;
  try {
    isFile = fs.statSync(source).isFile();
  } catch {
    // a missing source: the read reports it
  }
  return path.join(isFile ? path.dirname(source) : source, rel);
}

function imageSource(db: Db, imageId: number): ImageSource {
  const row = db
    .prepare(
      `SELECT sources.path AS source, files.rel_path AS rel, studies.patient_id, ${identityKeySql('patients')} AS patient_key,
         deid_images.status, deid_runs.options
       FROM images JOIN files ON files.id = images.file_id JOIN sources ON sources.id = files.source_id
       JOIN series ON series.id = images.series_id JOIN studies ON studies.id = series.study_id
       JOIN patients ON patients.id = studies.patient_id
       LEFT JOIN deid_images ON deid_images.image_id = images.id
       LEFT JOIN deid_runs ON deid_runs.id = deid_images.run_id
       WHERE images.id = ?`,
    )
    .get(imageId) as
    | {
        source: string;
        rel: string;
        patient_id: number;
        patient_key: string;
        status: string | null;
        options: string | null;
      }
    | undefined;
  if (!row) throw new ApiError('not-found', `No image ${imageId}.`);
  return {
    abs: sourceFile(row.source, row.rel),
    patientId: row.patient_id,
    patientKey: row.patient_key,
    status: row.status,
    options: row.options,
  };
}

export function masksOf(db: Db, imageId: number): MaskRectangle[] {
  return db
    .prepare('SELECT x, y, width, height FROM deid_masks WHERE image_id = ? ORDER BY id')
    .all(imageId) as MaskRectangle[];
}

async function regenerate(
  project: Project,
  imageId: number,
): Promise<{ source: Uint8Array; result: DeidResult }> {
  const src = imageSource(project.db, imageId);
  if (src.status === 'not-applicable')
    throw new ApiError(
      'bad-request',
      `Image ${imageId} is not DICOM (PNG or JPEG): it has no header to de-identify.`,
    );
  if (src.status !== 'done' || src.options === null)
    throw new ApiError(
      'conflict',
      `Image ${imageId} has not been de-identified; run de-identification first.`,
    );
  const settings = JSON.parse(src.options) as DeidSettings;
  const options = dicomOptions(settings);
  const secret = project.secret();
  let source: Uint8Array;
  try {
    source = await readFile(src.abs);
  } catch (err) {
    throw new ApiError(
      'not-found',
      `The source file of image ${imageId} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
  const known = knownForPatient(project.db, src.patientId).known;
  const result = await deidentifyDicom(source, {
    secret,
    options,
    appVersion: appVersion(),
    patientKey: src.patientKey,
    cleanText: headerCleaner({
      secret,
      options,
      textMode: settings.textMode,
      patientKey: src.patientKey,
      known,
    }),
    masks: masksForImage(project.db, imageId).rects,
    detectText: false,
    patientStudyDates: known.studyDates ?? [],
  });
  return { source, result };
}

/**
 * The de-identified DICOM of an image, regenerated from its source (for export and the app's preview). Throws
 * `conflict` for an image no run has de-identified. Quarantine decisions are the caller's to honour.
 */
export async function deidentifiedDicomBytes(project: Project, imageId: number): Promise<Uint8Array> {
  return (await regenerate(project, imageId)).result.bytes;
}

const BINARY = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'UN']);

function display(ds: DicomDataset, el: DicomElement): string {
  if (el.items !== undefined) return `${el.items.length} item${el.items.length === 1 ? '' : 's'}`;
  if (el.tag === 0x7fe00010 || BINARY.has(el.vr)) return `(${el.length} bytes)`;
  try {
    const strings = elementStrings(ds, el);
    if (strings.length > 0 || TEXT_VRS.has(el.vr)) return strings.join('\\');
    return elementNumbers(ds, el).join('\\');
  } catch {
    return `(${el.length} bytes)`;
  }
}

/** Top-level attributes of the source and of its de-identified copy, with the action applied to each. */
export async function headerDiff(project: Project, imageId: number): Promise<HeaderDiffRow[]> {
  const { source, result } = await regenerate(project, imageId);
  const before = parseDicom(source).dataset;
  const after = parseDicom(result.bytes).dataset;
  const action = new Map<string, string>();
  for (const a of result.actions) {
    const top = a.tag.slice(0, 11);
    // An action on the element itself wins over actions inside its items.
    if (a.tag.length === 11 || !action.has(top)) action.set(top, a.tag.length === 11 ? a.action : 'items');
  }
  const tags = [...new Set([...before.elements.keys(), ...after.elements.keys()])].sort((a, b) => a - b);
  return tags.map((tag) => {
    const b = before.elements.get(tag);
    const a = after.elements.get(tag);
    const t = formatTag(tag);
    return {
      tag: t,
      keyword: keywordOf(tag),
      before: b ? display(before, b) : null,
      after: a ? display(after, a) : null,
      action: action.get(t) ?? null,
    };
  });
}

interface QuarantineRow {
  image_id: number;
  reason: string;
  source: string;
  decision: QuarantineDecision | null;
  reviewed_at: string | null;
  regions: string;
  rows: number;
  columns: number;
  pixel_hash: string;
  thumbnail: string | null;
}

const QUARANTINE_SELECT = `SELECT quarantine.image_id, quarantine.reason, quarantine.source, quarantine.decision,
  quarantine.reviewed_at, quarantine.regions, images.rows, images.columns, images.pixel_hash, images.thumbnail
  FROM quarantine JOIN images ON images.id = quarantine.image_id`;

function toItem(db: Db, r: QuarantineRow): QuarantineItem {
  return {
    imageId: r.image_id,
    reason: r.reason,
    source: r.source,
    decision: r.decision,
    reviewedAt: r.reviewed_at,
    rows: r.rows,
    columns: r.columns,
    thumbnail: r.thumbnail ? thumbnailPath(r.pixel_hash) : null,
    regions: (JSON.parse(r.regions) as MaskRectangle[]).map(({ x, y, width, height }) => ({
      x,
      y,
      width,
      height,
    })),
    masks: masksOf(db, r.image_id),
    textRead: textRead(db, r.image_id),
  };
}

/** The OCR lines of every frame of the image's file, noise left out. */
function textRead(db: Db, imageId: number): QuarantineItem['textRead'] {
  const rows = db
    .prepare(
      `SELECT text, category, images.frame, x, y, width, height FROM pixel_text JOIN images ON images.id = pixel_text.image_id
       WHERE category <> 'noise' AND images.file_id = (SELECT file_id FROM images WHERE id = ?)
       ORDER BY images.frame, pixel_text.id`,
    )
    .all(imageId) as {
    text: string;
    category: string;
    frame: number;
    x: number;
    y: number;
    width: number;
    height: number;
  }[];
  return rows.map(({ text, category, frame, x, y, width, height }) => ({
    text,
    category,
    frame,
    box: { x, y, width, height },
  }));
}

/** The quarantine: undecided images first, then decided ones, by image. */
export function listQuarantine(db: Db): QuarantineItem[] {
  const rows = db
    .prepare(`${QUARANTINE_SELECT} ORDER BY quarantine.decision IS NOT NULL, quarantine.image_id`)
    .all() as QuarantineRow[];
  return rows.map((r) => toItem(db, r));
}

export function decideQuarantine(db: Db, imageId: number, decision: QuarantineDecision): QuarantineItem {
  const changed = db
    .prepare('UPDATE quarantine SET decision = ?, reviewed_at = ? WHERE image_id = ?')
    .run(decision, new Date().toISOString(), imageId).changes;
  if (changed === 0) throw new ApiError('not-found', `Image ${imageId} is not in the quarantine.`);
  return toItem(
    db,
    db.prepare(`${QUARANTINE_SELECT} WHERE quarantine.image_id = ?`).get(imageId) as QuarantineRow,
  );
}

/**
 * Replaces an image's drawn masks (numeric rectangles, checked by the contract's schema); rectangles are clipped
 * to the image and must keep some area.
 */
export function setMasks(db: Db, imageId: number, masks: MaskRectangle[]): MaskRectangle[] {
  const image = db.prepare('SELECT rows, columns FROM images WHERE id = ?').get(imageId) as
    { rows: number; columns: number } | undefined;
  if (!image) throw new ApiError('not-found', `No image ${imageId}.`);
  const clipped = masks.map(({ x, y, width, height }) => {
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(image.columns, Math.ceil(x + width));
    const y1 = Math.min(image.rows, Math.ceil(y + height));
    if (x1 <= x0 || y1 <= y0) throw new ApiError('bad-request', 'A mask must cover part of the image.');
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  });
  db.transaction(() => {
    db.prepare('DELETE FROM deid_masks WHERE image_id = ?').run(imageId);
    const insert = db.prepare(
      'INSERT INTO deid_masks (image_id, x, y, width, height) VALUES (?, ?, ?, ?, ?)',
    );
    for (const m of clipped) insert.run(imageId, m.x, m.y, m.width, m.height);
  })();
  return masksOf(db, imageId);
}
