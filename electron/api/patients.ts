// Patient identity: conflicting demographics under one key, keys that may be one person, and a person's links.
// Internal patient ids and field names only, unless a front asks for the keys to show a person (`withKeys`):
// keys are identifiers and never go to logs or `--json`.

export interface IdentityConflict {
  patientId: number;
  field: 'name' | 'sex' | 'birth_date';
  /** Files whose value for the field disagrees with the one the patient was first seen with. */
  files: number;
  key?: string;
}

export interface IdentityCandidate {
  patientId: number;
  sameAs: number;
  why: string;
  key?: string;
  sameAsKey?: string;
}

export interface IdentityLink {
  patientId: number;
  sameAs: number;
  reason: string;
  linkedAt: string;
  key?: string;
  sameAsKey?: string;
}

export interface IdentityReview {
  conflicts: IdentityConflict[];
  candidates: IdentityCandidate[];
  links: IdentityLink[];
}

export interface PatientsInvoke {
  'patients.identity': (args: { withKeys?: boolean }) => IdentityReview;
  /** `patientId` is the same person as `sameAs`; de-identification, curation and SFT follow on their next run. */
  'patients.link': (args: { patientId: number; sameAs: number; reason: string }) => { root: number };
  'patients.unlink': (args: { patientId: number }) => { changed: boolean };
}

export const PATIENTS_CHANNELS = [
  'patients.identity',
  'patients.link',
  'patients.unlink',
] as const satisfies readonly (keyof PatientsInvoke)[];
