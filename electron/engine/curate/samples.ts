import type { Db } from '../project/database.ts';
import { identityKeySql } from '../patients/identity.ts';

/** A sample: one image (a frame) with its study, patient and the study's report (the latest, when several). */
export interface Sample {
  id: number;
  sourceId: number;
  rows: number;
  columns: number;
  bitsStored: number;
  modality: string | null;
  bodyPart: string | null;
  viewPosition: string | null;
  meta: string;
  thumbnail: string | null;
  pixelHash: string;
  phash: string | null;
  studyId: number;
  studyDate: string | null;
  patientId: number;
  patientKey: string;
  birthDate: string | null;
  birthYear: number | null;
  officialSplit: string | null;
  reportId: number | null;
  reportRaw: string | null;
  sections: string | null;
  stemmed: number;
  quarantine: 'none' | 'quarantined' | 'released' | 'excluded';
}

export function loadSamples(db: Db): Sample[] {
  return db
    .prepare(
      `SELECT i.id, f.source_id AS sourceId, i.rows, i.columns, i.bits_stored AS bitsStored, i.modality,
         i.body_part AS bodyPart, i.view_position AS viewPosition, i.meta, i.thumbnail, i.pixel_hash AS pixelHash,
         i.phash, st.id AS studyId, st.study_date AS studyDate, p.id AS patientId, ${identityKeySql('p')} AS patientKey,
         p.birth_date AS birthDate, p.birth_year AS birthYear, st.official_split AS officialSplit,
         r.id AS reportId, r.raw_text AS reportRaw, r.sections, coalesce(r.stemmed, 0) AS stemmed,
         CASE WHEN q.image_id IS NULL THEN 'none' WHEN q.decision = 'release' THEN 'released'
              WHEN q.decision = 'exclude' THEN 'excluded' ELSE 'quarantined' END AS quarantine
       FROM images i
       JOIN files f ON f.id = i.file_id
       JOIN series se ON se.id = i.series_id
       JOIN studies st ON st.id = se.study_id
       JOIN patients p ON p.id = st.patient_id
       LEFT JOIN reports r ON r.id = (SELECT max(id) FROM reports WHERE study_id = st.id)
       LEFT JOIN quarantine q ON q.image_id = i.id
       ORDER BY i.id`,
    )
    .all() as Sample[];
}

export { type ViewClass, viewClass } from './view-vocabulary.ts';

/** BodyPartExamined spellings of the chest, to one label; other values upper-cased as they are. */
export function bodyPartLabel(bodyPart: string | null): string | null {
  const v = (bodyPart ?? '').trim().toUpperCase();
  if (!v) return null;
  if (/CHEST|THORAX|LUNG|TORAX|THORAX|PORT CHEST|CXR/.test(v)) return 'CHEST';
  return v;
}

/** Age in years at the study from a DICOM birth date (YYYYMMDD) or a birth year, or null. */
export function ageAtStudy(s: Pick<Sample, 'birthDate' | 'birthYear' | 'studyDate'>): number | null {
  const study = parseDate(s.studyDate);
  if (!study) return null;
  const birth = parseDate(s.birthDate);
  if (birth) return (study.getTime() - birth.getTime()) / (365.2425 * 86_400_000);
  if (s.birthYear !== null && s.birthYear > 1800) {
    // Only the year: assume mid-year, so the error is at most half a year either way.
    return study.getUTCFullYear() + study.getUTCMonth() / 12 - (s.birthYear + 0.5);
  }
  return null;
}

function parseDate(d: string | null): Date | null {
  const m = d ? /^(\d{4})(\d{2})(\d{2})$/.exec(d.trim()) : null;
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(t) ? null : new Date(t);
}

/**
 * The report's findings and impression (or its last paragraph when it has neither), joined. A report that was
 * never sectioned (PADCHEST's stemmed text: `sections` is `{}`) is its raw text.
 */
export function reportBody(sections: string | null, raw: string | null): string {
  return reportParts(sections, raw).join('\n');
}

/** The findings and impression as separate strings (for per-section repetition). */
export function reportParts(sections: string | null, raw: string | null): string[] {
  let s: Record<string, unknown>;
  try {
    s = JSON.parse(sections ?? '{}') as Record<string, unknown>;
  } catch {
    s = {};
  }
  if (Object.keys(s).length === 0) return raw?.trim() ? [raw.trim()] : [];
  const parts = [s.findings, s.impression].filter((x): x is string => typeof x === 'string' && x.length > 0);
  if (parts.length === 0 && typeof s.last_paragraph === 'string' && s.last_paragraph)
    parts.push(s.last_paragraph);
  return parts;
}

export function pediatricFlag(meta: string): boolean | null {
  try {
    const m = JSON.parse(meta) as Record<string, unknown>;
    return typeof m.pediatric === 'boolean' ? m.pediatric : null;
  } catch {
    return null;
  }
}
