/**
 * Every original identifier the leak gate looks for: per patient, the header values of all their images
 * (names, IDs, accession, institution, physicians, operators, stations, birth and study dates), the patient
 * and study rows (source subject ids, accession, dates), source-specific ids (MIMIC dicom_id, PADCHEST
 * ImageID and ReportID) and every UID.
 */
import type { KnownIdentifiers } from '../deid-text/index.ts';
import type { Db } from '../project/database.ts';
import { headerIdentifiers, mergeIdentifiers } from '../sft/index.ts';

const stripPrefix = (key: string) => key.replace(/^[a-z-]+:/u, '');

/** Identifiers per patient; `patientIds` limits it to those patients (all when omitted). */
export function projectIdentifiers(db: Db, patientIds?: ReadonlySet<number>): KnownIdentifiers[] {
  const rows = db
    .prepare(
      `SELECT p.id AS pid, p.patient_key AS patientKey, p.birth_date AS birthDate,
              s.study_uid AS studyUid, s.study_date AS studyDate, s.accession,
              se.series_uid AS seriesUid, i.sop_uid AS sopUid, i.header, i.meta
       FROM patients p JOIN studies s ON s.patient_id = p.id JOIN series se ON se.study_id = s.id
       JOIN images i ON i.series_id = se.id ORDER BY p.id, i.id`,
    )
    .all() as {
    pid: number;
    patientKey: string;
    birthDate: string | null;
    studyUid: string;
    studyDate: string | null;
    accession: string | null;
    seriesUid: string;
    sopUid: string;
    header: string;
    meta: string;
  }[];
  const byPatient = new Map<number, KnownIdentifiers[]>();
  for (const r of rows) {
    if (patientIds && !patientIds.has(r.pid)) continue;
    const meta = JSON.parse(r.meta) as Record<string, unknown>;
    const metaIds = ['dicom_id', 'ImageID', 'ReportID']
      .map((k) => meta[k])
      .filter((v): v is string => typeof v === 'string' && v !== '');
    const list = byPatient.get(r.pid) ?? [];
    list.push(headerIdentifiers(JSON.parse(r.header) as Record<string, string>), {
      patientIds: [stripPrefix(r.patientKey)],
      otherIds: [stripPrefix(r.studyUid), r.seriesUid, r.sopUid, ...metaIds],
      ...(r.accession ? { accessionNumbers: [r.accession] } : {}),
      ...(r.studyDate ? { studyDates: [r.studyDate] } : {}),
      ...(r.birthDate ? { birthDate: r.birthDate } : {}),
    });
    byPatient.set(r.pid, list);
  }
  return [...byPatient.values()].map(mergeIdentifiers);
}
