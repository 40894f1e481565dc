/**
 * What SFT (and export) may use from the project: the images curation kept, their studies and patients, the
 * de-identified report sections and the labels. `deidentifiedReport` prefers the de-identification stage's
 * stored text and only scrubs at generation time for a report that stage has not done yet.
 */
import type { KnownIdentifiers } from '../deid-text/index.ts';
import { deidentifyTextSync } from '../deid-text/index.ts';
import { keptSamples, latestCurationRun } from '../curate/index.ts';
import type { SftSplit } from '../../api/sft.ts';
import type { Db } from '../project/database.ts';
import { identityKeySql } from '../patients/identity.ts';

export type LabelValue = 1 | 0 | -1 | null;

export interface ImageRec {
  id: number;
  studyId: number;
  frame: number;
  sopUid: string;
  viewPosition: string | null;
  modality: string | null;
  pixelHash: string;
}

export interface ReportSections {
  indication?: string;
  comparison?: string;
  technique?: string;
  findings?: string;
  impression?: string;
  addendum?: string;
  last_paragraph?: string;
}

export interface StudyRec {
  id: number;
  uid: string;
  patientId: number;
  patientKey: string;
  date: string | null;
  time: string | null;
  officialSplit: string | null;
  images: ImageRec[];
  reportId: number | null;
  /** De-identified sections; null when the study has no report or only a stemmed one. */
  report: ReportSections | null;
  /** Labels per source ('chexpert', 'negbio', 'padchest', 'padchest-localization'). */
  labels: Map<string, Map<string, LabelValue>>;
}

/**
 * Images the SFT stage (and so every export) may use: de-identified by the de-identification stage (its
 * quarantine check ran: an image never looked at for burned-in text must not leave), not in quarantine
 * without a 'release' decision, not excluded by a person while browsing (with or without a curation run), and
 * — once curation has decided — kept by its latest deciding run.
 */
export function eligibleImages(db: Db): number[] {
  const rows = db
    .prepare(
      `SELECT i.id FROM images i
       WHERE i.id IN (SELECT image_id FROM deid_images WHERE status IN ('done', 'not-applicable'))
         AND i.id NOT IN (SELECT image_id FROM quarantine WHERE decision IS NULL OR decision <> 'release')
         AND i.id NOT IN (SELECT image_id FROM exclusions)
       ORDER BY i.id`,
    )
    .all() as { id: number }[];
  const ids = rows.map((r) => r.id);
  if (!hasDecidingCurationRun(db)) return ids;
  const kept = new Set(keptSamples(db).map((k) => k.imageId));
  return ids.filter((id) => kept.has(id));
}

function hasDecidingCurationRun(db: Db): boolean {
  return latestCurationRun(db, true) !== null;
}

/** The patient splits the latest deciding curation run fixed (empty before any). */
export function curatedSplits(db: Db): Map<number, SftSplit> {
  if (!hasDecidingCurationRun(db)) return new Map();
  const rows = db.prepare('SELECT patient_id AS id, split FROM patient_splits').all() as {
    id: number;
    split: SftSplit;
  }[];
  return new Map(rows.map((r) => [r.id, r.split]));
}

const NAME_KEYS = ['PatientName', 'OtherPatientNames', 'PatientMotherBirthName', 'PatientBirthName'];
const PHYSICIAN_KEYS = [
  'ReferringPhysicianName',
  'PerformingPhysicianName',
  'NameOfPhysiciansReadingStudy',
  'PhysiciansOfRecord',
  'RequestingPhysician',
];
const ID_KEYS = ['PatientID', 'OtherPatientIDs', 'IssuerOfPatientID', 'StudyID', 'AdmissionID'];
export const DATE_KEYS = [
  'StudyDate',
  'SeriesDate',
  'AcquisitionDate',
  'ContentDate',
  'InstanceCreationDate',
  'PerformedProcedureStepStartDate',
];
const OTHER_STRING_KEYS = ['StationName', 'DeviceSerialNumber', 'InstitutionalDepartmentName'];

const split = (v: string | undefined) =>
  (v ?? '')
    .split('\\')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Original identifiers of one image header (DICOM keywords as flatHeader writes them). */
export function headerIdentifiers(header: Record<string, string>): KnownIdentifiers {
  const many = (keys: string[]) => keys.flatMap((k) => split(header[k]));
  const birth = header.PatientBirthDate?.trim();
  return {
    patientNames: many(NAME_KEYS),
    physicianNames: many(PHYSICIAN_KEYS),
    operatorNames: many(['OperatorsName']),
    patientIds: many(ID_KEYS),
    accessionNumbers: many(['AccessionNumber']),
    institutionNames: many(['InstitutionName']),
    institutionAddresses: many(['InstitutionAddress']),
    otherStrings: many(OTHER_STRING_KEYS),
    studyDates: many(DATE_KEYS),
    ...(birth ? { birthDate: birth } : {}),
  };
}

/** Unites identifier sets (for a study's several images). */
export function mergeIdentifiers(sets: KnownIdentifiers[]): KnownIdentifiers {
  const out: Required<Omit<KnownIdentifiers, 'birthDate'>> & { birthDate?: string } = {
    patientNames: [],
    patientIds: [],
    accessionNumbers: [],
    otherIds: [],
    studyDates: [],
    institutionNames: [],
    institutionAddresses: [],
    physicianNames: [],
    operatorNames: [],
    otherStrings: [],
  };
  for (const s of sets) {
    for (const k of Object.keys(out) as (keyof typeof out)[]) {
      if (k === 'birthDate') continue;
      const v = s[k];
      if (Array.isArray(v)) for (const x of v) if (!out[k].includes(x)) out[k].push(x);
    }
    if (s.birthDate && !out.birthDate) out.birthDate = s.birthDate;
  }
  return out;
}

/**
 * The de-identified sections of a report. Until the de-identification stage stores its report text, this
 * scrubs at generation time with the rules and the identifiers known from the study's headers (tags mode:
 * `[NAME]`, `[DATE]`…). The one place to swap for the stored de-identified text.
 */
export function deidentifiedReport(
  db: Db,
  report: { id: number; sections: ReportSections },
  known: KnownIdentifiers,
): ReportSections {
  // The de-identification stage's output: patient-wide identifiers, the patient's date shift and a person's
  // review decisions went into it.
  const stored = db.prepare('SELECT deid_sections FROM reports WHERE id = ?').get(report.id) as
    { deid_sections: string | null } | undefined;
  const source: ReportSections = stored?.deid_sections
    ? (JSON.parse(stored.deid_sections) as ReportSections)
    : report.sections;
  const scrub = stored?.deid_sections
    ? (v: string) => v
    : (v: string) => deidentifyTextSync(v, { known }).text;
  const out: ReportSections = {};
  for (const [k, v] of Object.entries(source) as [keyof ReportSections, unknown][]) {
    if (typeof v === 'string' && v.trim() !== '') out[k] = scrub(v);
  }
  return out;
}

/** Every study with at least one eligible image, with its eligible images, de-identified report and labels. */
export function loadStudies(db: Db, imageIds: readonly number[]): StudyRec[] {
  const eligible = new Set(imageIds);
  const images = (
    db
      .prepare(
        `SELECT i.id, se.study_id AS studyId, i.frame, i.sop_uid AS sopUid, i.view_position AS viewPosition,
                i.modality, i.pixel_hash AS pixelHash, i.header
         FROM images i JOIN series se ON se.id = i.series_id ORDER BY i.id`,
      )
      .all() as (ImageRec & { header: string })[]
  ).filter((i) => eligible.has(i.id));
  const byStudy = new Map<number, (ImageRec & { header: string })[]>();
  for (const im of images) {
    const list = byStudy.get(im.studyId) ?? [];
    list.push(im);
    byStudy.set(im.studyId, list);
  }
  const studyRows = db
    .prepare(
      `SELECT s.id, s.study_uid AS uid, s.patient_id AS patientId, ${identityKeySql('p')} AS patientKey,
              s.study_date AS date, s.study_time AS time, s.official_split AS officialSplit,
              s.accession, p.birth_date AS birthDate
       FROM studies s JOIN patients p ON p.id = s.patient_id ORDER BY s.id`,
    )
    .all() as (Omit<StudyRec, 'images' | 'report' | 'reportId' | 'labels'> & {
    accession: string | null;
    birthDate: string | null;
  })[];
  const reportStmt = db.prepare(
    'SELECT id, sections, stemmed FROM reports WHERE study_id = ? ORDER BY id LIMIT 1',
  );
  const labelStmt = db.prepare('SELECT source, name, value FROM labels WHERE study_id = ? ORDER BY id');
  const out: StudyRec[] = [];
  for (const s of studyRows) {
    const ims = byStudy.get(s.id);
    if (!ims) continue;
    const labels = new Map<string, Map<string, LabelValue>>();
    for (const l of labelStmt.all(s.id) as { source: string; name: string; value: LabelValue }[]) {
      const m = labels.get(l.source) ?? new Map<string, LabelValue>();
      m.set(l.name, l.value);
      labels.set(l.source, m);
    }
    const rep = reportStmt.get(s.id) as { id: number; sections: string; stemmed: number } | undefined;
    let report: ReportSections | null = null;
    if (rep && rep.stemmed === 0) {
      const known = mergeIdentifiers([
        ...ims.map((i) => headerIdentifiers(JSON.parse(i.header) as Record<string, string>)),
        {
          patientIds: [s.patientKey.replace(/^[a-z-]+:/, '')],
          ...(s.accession ? { accessionNumbers: [s.accession] } : {}),
          ...(s.date ? { studyDates: [s.date] } : {}),
          ...(s.birthDate ? { birthDate: s.birthDate } : {}),
        },
      ]);
      report = deidentifiedReport(
        db,
        { id: rep.id, sections: JSON.parse(rep.sections) as ReportSections },
        known,
      );
    }
    out.push({
      id: s.id,
      uid: s.uid,
      patientId: s.patientId,
      patientKey: s.patientKey,
      date: s.date,
      time: s.time,
      officialSplit: s.officialSplit,
      images: ims.map(({ header: _h, ...rest }) => rest),
      reportId: rep?.id ?? null,
      report,
      labels,
    });
  }
  return out;
}
