/**
 * Identifiers a patient is known by, gathered from the project store: every stored DICOM header of the
 * patient's images, the patient row (key, birth date or year) and the patient's studies (dates, accession
 * numbers). Reports are scrubbed with all of them, so a comparison date of another study of the same patient,
 * or a referring physician named only in a header, is found too.
 */
import type { KnownIdentifiers } from '../deid-text/index.ts';
import { identityGroup, identityKey } from '../patients/identity.ts';
import type { Db } from '../project/database.ts';

const NAME_KEYS = {
  patientNames: ['PatientName', 'OtherPatientNames', 'PatientBirthName', 'PatientMotherBirthName'],
  physicianNames: [
    'ReferringPhysicianName',
    'PerformingPhysicianName',
    'NameOfPhysiciansReadingStudy',
    'PhysiciansOfRecord',
    'RequestingPhysician',
    'ScheduledPerformingPhysicianName',
  ],
  operatorNames: ['OperatorsName'],
} as const;

const VALUE_KEYS = {
  patientIds: ['PatientID', 'OtherPatientIDs', 'IssuerOfPatientID'],
  accessionNumbers: ['AccessionNumber'],
  otherIds: ['StudyID', 'AdmissionID', 'RequestedProcedureID', 'PlacerOrderNumberImagingServiceRequest'],
  studyDates: ['StudyDate', 'SeriesDate', 'AcquisitionDate', 'ContentDate', 'InstanceCreationDate'],
  institutionNames: ['InstitutionName', 'InstitutionalDepartmentName'],
  institutionAddresses: ['InstitutionAddress', 'PatientAddress'],
  otherStrings: ['StationName', 'DeviceSerialNumber', 'PatientTelephoneNumbers', 'MedicalRecordLocator'],
} as const;

type ListKey = Exclude<keyof KnownIdentifiers, 'birthDate'>;

export interface PatientKnown {
  patientId: number;
  /** The identity key (a linked patient's root's): pseudonyms and the date shift are keyed on it. */
  patientKey: string;
  /** Whether a person linked this patient to another key (its identity is not its own key). */
  linked: boolean;
  known: KnownIdentifiers;
}

/**
 * Known identifiers of one patient (by patients.id), gathered over every key a person linked to it as the same
 * person: a name known only from the DICOM folder is scrubbed from the MIMIC report of the same person too.
 */
export function knownForPatient(db: Db, patientId: number): PatientKnown {
  const patientKey = identityKey(db, patientId);
  const group = identityGroup(db, patientId);
  const sets = new Map<ListKey, Set<string>>();
  const add = (key: ListKey, value: string | null | undefined) => {
    for (const v of (value ?? '').split('\\')) {
      const t = v.trim();
      if (t === '') continue;
      let set = sets.get(key);
      if (!set) sets.set(key, (set = new Set()));
      set.add(t);
    }
  };
  let birthDate: string | undefined;
  let birthYear: number | null = null;
  const patientRow = db.prepare('SELECT patient_key, birth_date, birth_year FROM patients WHERE id = ?');
  const studyRows = db.prepare('SELECT study_date, accession FROM studies WHERE patient_id = ?');
  const headerRows = db
    .prepare(
      `SELECT DISTINCT images.header FROM images JOIN series ON series.id = images.series_id
       JOIN studies ON studies.id = series.study_id WHERE studies.patient_id = ?`,
    )
    .pluck();
  for (const id of group) {
    const patient = patientRow.get(id) as
      { patient_key: string; birth_date: string | null; birth_year: number | null } | undefined;
    if (!patient) throw new Error(`no patient ${id}`);
    // The key itself, and the source's subject id inside it (`mimic-cxr:12286358`).
    add('patientIds', patient.patient_key);
    const colon = patient.patient_key.indexOf(':');
    if (colon >= 0) add('patientIds', patient.patient_key.slice(colon + 1));
    birthDate ??= patient.birth_date ?? undefined;
    birthYear ??= patient.birth_year;

    const studies = studyRows.all(id) as { study_date: string | null; accession: string | null }[];
    for (const s of studies) {
      add('studyDates', s.study_date);
      add('accessionNumbers', s.accession);
    }
    const headers = headerRows.all(id) as string[];
    for (const json of headers) {
      const h = JSON.parse(json) as Record<string, string>;
      for (const [key, tags] of Object.entries({ ...NAME_KEYS, ...VALUE_KEYS }) as [
        ListKey,
        readonly string[],
      ][])
        for (const tag of tags) add(key, h[tag]);
      birthDate ??= h.PatientBirthDate;
    }
  }
  const known: KnownIdentifiers = {};
  for (const [key, set] of sets) known[key] = [...set];
  if (birthDate) known.birthDate = birthDate;
  else if (birthYear !== null) known.birthDate = `${birthYear}0101`;
  return { patientId, patientKey, linked: group.length > 1, known };
}

/** Two sets of known identifiers as one (lists united, the first birth date wins). */
export function mergeKnown(a: KnownIdentifiers, b: KnownIdentifiers): KnownIdentifiers {
  const out: KnownIdentifiers = { ...a };
  for (const [key, value] of Object.entries(b) as [keyof KnownIdentifiers, unknown][]) {
    if (key === 'birthDate') {
      out.birthDate ??= value as string | undefined;
      continue;
    }
    const list = value as string[] | undefined;
    if (!list || list.length === 0) continue;
    out[key] = [...new Set([...(out[key] ?? []), ...list])];
  }
  return out;
}
