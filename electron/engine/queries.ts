import {
  thumbnailPath,
  type FileErrorRow,
  type ImageDetail,
  type ImagePage,
  type ImageRow,
  type ProjectStats,
} from '../api/contract.ts';
import { ApiError } from './errors.ts';
import type { Db } from './project/database.ts';

const count = (db: Db, sql: string): number => (db.prepare(sql).get() as { n: number }).n;

export function projectStats(db: Db): ProjectStats {
  return {
    sources: count(db, 'SELECT count(*) AS n FROM sources'),
    patients: count(db, 'SELECT count(*) AS n FROM patients'),
    studies: count(db, 'SELECT count(*) AS n FROM studies'),
    images: count(db, 'SELECT count(*) AS n FROM images'),
    reports: count(db, 'SELECT count(*) AS n FROM reports'),
    errors: count(db, "SELECT count(*) AS n FROM files WHERE status = 'error'"),
    skipped: count(db, "SELECT count(*) AS n FROM files WHERE status = 'skipped'"),
  };
}

interface ImageDbRow {
  id: number;
  rel_path: string;
  source_id: number;
  frame: number;
  rows: number;
  columns: number;
  bits_stored: number;
  photometric: string;
  modality: string | null;
  view_position: string | null;
  body_part: string | null;
  transfer_syntax: string;
  study_date: string | null;
  pixel_hash: string;
  thumbnail: string | null;
}

const IMAGE_COLUMNS = `images.id, files.rel_path, files.source_id, images.frame, images.rows, images.columns,
  images.bits_stored, images.photometric, images.modality, images.view_position, images.body_part,
  images.transfer_syntax, studies.study_date, images.pixel_hash, images.thumbnail`;
const IMAGE_JOINS = `FROM images JOIN files ON files.id = images.file_id
  JOIN series ON series.id = images.series_id JOIN studies ON studies.id = series.study_id`;

function toImageRow(r: ImageDbRow): ImageRow {
  return {
    id: r.id,
    path: r.rel_path,
    sourceId: r.source_id,
    frame: r.frame,
    rows: r.rows,
    columns: r.columns,
    bitsStored: r.bits_stored,
    photometric: r.photometric,
    modality: r.modality,
    viewPosition: r.view_position,
    bodyPart: r.body_part,
    transferSyntax: r.transfer_syntax,
    studyDate: r.study_date,
    thumbnail: r.thumbnail ? thumbnailPath(r.pixel_hash) : null,
  };
}

export function listImages(db: Db, offset: number, limit: number): ImagePage {
  const safeLimit = Math.min(Math.max(0, Math.trunc(limit)), 1000);
  const safeOffset = Math.max(0, Math.trunc(offset));
  const rows = db
    .prepare(`SELECT ${IMAGE_COLUMNS} ${IMAGE_JOINS} ORDER BY images.id LIMIT ? OFFSET ?`)
    .all(safeLimit, safeOffset) as ImageDbRow[];
  return { total: count(db, 'SELECT count(*) AS n FROM images'), items: rows.map(toImageRow) };
}

export function getImage(db: Db, id: number): ImageDetail {
  const r = db
    .prepare(
      `SELECT ${IMAGE_COLUMNS}, images.window_center, images.window_width, images.window_source, images.header
       ${IMAGE_JOINS} WHERE images.id = ?`,
    )
    .get(id) as
    | (ImageDbRow & {
        window_center: number | null;
        window_width: number | null;
        window_source: string;
        header: string;
      })
    | undefined;
  if (!r) throw new ApiError('not-found', `No image ${id}.`);
  return {
    ...toImageRow(r),
    pixelHash: r.pixel_hash,
    windowCenter: r.window_center,
    windowWidth: r.window_width,
    windowSource: r.window_source,
    header: JSON.parse(r.header) as Record<string, string>,
  };
}

export function listProblems(
  db: Db,
  offset: number,
  limit: number,
): { total: number; items: FileErrorRow[] } {
  const items = db
    .prepare(
      `SELECT rel_path AS path, coalesce(reason, '') AS reason, status FROM files WHERE status != 'imported'
       ORDER BY status, rel_path LIMIT ? OFFSET ?`,
    )
    .all(Math.min(Math.max(0, limit), 1000), Math.max(0, offset)) as FileErrorRow[];
  return { total: count(db, "SELECT count(*) AS n FROM files WHERE status != 'imported'"), items };
}

/**
 * All problem files as RFC 4180 CSV. A cell that a spreadsheet would read as a formula (=, +, -, @, tab, CR)
 * gets a leading apostrophe, so opening the file cannot run anything.
 */
export function problemsCsv(db: Db): string {
  const rows = db
    .prepare(
      `SELECT rel_path AS path, status, coalesce(reason, '') AS reason FROM files WHERE status != 'imported'
       ORDER BY status, rel_path`,
    )
    .all() as FileErrorRow[];
  const cell = (v: string) => {
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return (
    ['path,status,reason', ...rows.map((r) => [r.path, r.status, r.reason].map(cell).join(','))].join(
      '\r\n',
    ) + '\r\n'
  );
}

/** Thumbnails are content-addressed by pixel hash; this finds the cache path for a served hash. */
export function thumbnailFileFor(db: Db, pixelHash: string): string | null {
  const r = db
    .prepare('SELECT thumbnail FROM images WHERE pixel_hash = ? AND thumbnail IS NOT NULL LIMIT 1')
    .get(pixelHash) as { thumbnail: string } | undefined;
  return r?.thumbnail ?? null;
}
