/**
 * Every original identifier the leak gate looks for: per patient, the header values of all their images
 * (names, IDs, accession, institution, physicians, operators, stations, birth and study dates), the patient
 * and study rows (source subject ids, accession, dates), source-specific ids (MIMIC dicom_id, PADCHEST
 * ImageID and ReportID) and every UID.
 */
import type { KnownIdentifiers } from '../deid-text/index.ts';
import type { ScanItem, ScopedIdentifiers } from '../leak-gate/index.ts';
import type { Db } from '../project/database.ts';
import { headerIdentifiers, mergeIdentifiers } from '../sft/index.ts';
import { identityKeySql } from '../patients/identity.ts';

const stripPrefix = (key: string) => key.replace(/^[a-z-]+:/u, '');

/**
 * Identifiers per patient; `patientIds` limits it to those patients (all when omitted). `scopeOf` names each
 * patient as the bundle does (its pseudonym), so the leak gate matches original dates within that patient.
 */
export function projectIdentifiers(
  db: Db,
  patientIds?: ReadonlySet<number>,
  scopeOf?: (patientKey: string) => string,
  /** Header keywords kept on purpose by the de-identification options (see kept-on-purpose.ts). */
  keptKeys: readonly string[] = [],
): ScopedIdentifiers[] {
  const kept = new Set(keptKeys);
  // Rows are read one at a time and merged patient by patient (they come ordered by patient): the whole
  // table of header JSON at once grew with the project (about 3 KB per image).
  const rows = db
    .prepare(
      `SELECT p.id AS pid, ${identityKeySql('p')} AS patientKey, p.patient_key AS ownKey, p.birth_date AS birthDate,
              s.study_uid AS studyUid, s.study_date AS studyDate, s.accession,
              se.series_uid AS seriesUid, i.sop_uid AS sopUid, i.header, i.meta
       FROM patients p JOIN studies s ON s.patient_id = p.id JOIN series se ON se.study_id = s.id
       JOIN images i ON i.series_id = se.id ORDER BY p.id, i.id`,
    )
    .iterate() as IterableIterator<{
    pid: number;
    /** The identity key (a linked patient's root's) names the scope; the own key is an identifier too. */
    patientKey: string;
    ownKey: string;
    birthDate: string | null;
    studyUid: string;
    studyDate: string | null;
    accession: string | null;
    seriesUid: string;
    sopUid: string;
    header: string;
    meta: string;
  }>;
  const out: ScopedIdentifiers[] = [];
  let pid = -1;
  let key = '';
  let sets: KnownIdentifiers[] = [];
  const flush = () => {
    if (sets.length > 0) out.push({ ...mergeIdentifiers(sets), ...(scopeOf ? { scope: scopeOf(key) } : {}) });
  };
  for (const r of rows) {
    if (patientIds && !patientIds.has(r.pid)) continue;
    if (r.pid !== pid) {
      flush();
      pid = r.pid;
      key = r.patientKey;
      sets = [];
    }
    const meta = JSON.parse(r.meta) as Record<string, unknown>;
    const metaIds = ['dicom_id', 'ImageID', 'ReportID']
      .map((k) => meta[k])
      .filter((v): v is string => typeof v === 'string' && v !== '');
    const header = JSON.parse(r.header) as Record<string, string>;
    for (const k of kept) delete header[k];
    sets.push(headerIdentifiers(header), {
      patientIds: [...new Set([stripPrefix(r.ownKey), stripPrefix(r.patientKey)])],
      otherIds: [
        ...(kept.has('StudyInstanceUID') ? [] : [stripPrefix(r.studyUid)]),
        ...(kept.has('SeriesInstanceUID') ? [] : [r.seriesUid]),
        ...(kept.has('SOPInstanceUID') ? [] : [r.sopUid]),
        ...metaIds,
      ],
      ...(r.accession ? { accessionNumbers: [r.accession] } : {}),
      ...(r.studyDate && !kept.has('StudyDate') ? { studyDates: [r.studyDate] } : {}),
      ...(r.birthDate ? { birthDate: r.birthDate } : {}),
    });
  }
  flush();
  return out;
}

/**
 * Gives each text the patient it belongs to: an image file's patient, or a sample record's (the patient of
 * its images). Texts of no single patient (the card, text-only samples) stay unscoped and are checked
 * against every patient's dates. The sample → patient map is built once, for a gate fed batch by batch.
 */
export function itemScoper(
  imagePatient: ReadonlyMap<string, string>,
  sampleImages: ReadonlyMap<string, readonly string[]>,
): (item: ScanItem) => ScanItem {
  const sampleScope = new Map<string, string>();
  for (const [id, images] of sampleImages) {
    const patients = new Set(images.map((i) => imagePatient.get(i)).filter((p) => p !== undefined));
    if (patients.size === 1) sampleScope.set(id, [...patients][0]!);
  }
  return (item) => {
    const scope =
      imagePatient.get(item.file) ??
      sampleScope.get(item.record) ??
      sampleScope.get(item.record.replace(/\.json$/u, ''));
    return scope === undefined ? item : { ...item, scope };
  };
}
