/** What the detail view shows around an image: its study's reports and labels, its de-identification state. */
import type { ImageContext, ImageLabel, LabelValue } from '../../api/detail.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../project/database.ts';

export function imageContext(db: Db, imageId: number): ImageContext {
  const row = db
    .prepare(
      `SELECT series.study_id, deid_images.status AS deid, quarantine.image_id AS q, quarantine.decision
       FROM images JOIN series ON series.id = images.series_id
       LEFT JOIN deid_images ON deid_images.image_id = images.id
       LEFT JOIN quarantine ON quarantine.image_id = images.id
       WHERE images.id = ?`,
    )
    .get(imageId) as
    { study_id: number; deid: string | null; q: number | null; decision: string | null } | undefined;
  if (!row) throw new ApiError('not-found', `No image ${imageId}.`);
  const reportIds = db
    .prepare('SELECT id FROM reports WHERE study_id = ? ORDER BY id')
    .pluck()
    .all(row.study_id) as number[];
  const labels = db
    .prepare('SELECT name, source, value FROM labels WHERE study_id = ? ORDER BY source, name')
    .all(row.study_id) as { name: string; source: string; value: number | null }[];
  return {
    imageId,
    studyId: row.study_id,
    reportIds,
    labels: labels.map((l): ImageLabel => ({ name: l.name, source: l.source, value: l.value as LabelValue })),
    deid: row.deid,
    quarantine: row.q === null ? null : (row.decision ?? 'pending'),
  };
}
