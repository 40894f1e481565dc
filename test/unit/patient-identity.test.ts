// One patient identity: the Issuer of Patient ID keeps two hospitals' MRN 200 apart, demographics that disagree
// under one key are listed for review (never merged silently), and a person's link makes two keys one person
// for pseudonyms, date shifts, splits and the identifiers reports are scrubbed of. Real DICOM written by pydicom.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { deidentifiedDicomBytes, knownForPatient } from '../../electron/engine/deid/index.ts';
import { Project } from '../../electron/engine/project/project.ts';
import { medprep, smallFixture, tempDir } from '../support/dicom-tree.ts';

const work = tempDir('medprep-identity-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// [file, PatientID, issuer, name, sex, birth date]
const FILES = [
  ['a.dcm', 'MRN200', 'HOSP_A', 'DOE^JANE', 'F', '19700101'],
  ['b.dcm', 'MRN200', 'HOSP_B', 'ROE^RICHARD', 'M', '19500505'],
  ['c.dcm', 'MRN300', '', 'SMITH^ANN', 'F', '19610314'],
  ['d.dcm', 'MRN300', '', 'JONES^BOB', 'M', '19610314'],
  ['e.dcm', 'mrn300', '', 'Smith^Ann^', 'F', '19610314'],
] as const;

function writeDicoms(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const script = `
import sys, json, pydicom
from pydicom.uid import generate_uid
src, out, rows = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for i, (name, pid, issuer, pname, sex, dob) in enumerate(rows):
    ds = pydicom.dcmread(src)
    ds.PatientID = pid
    if issuer: ds.IssuerOfPatientID = issuer
    elif 'IssuerOfPatientID' in ds: del ds.IssuerOfPatientID
    ds.PatientName = pname
    ds.PatientSex = sex
    ds.PatientBirthDate = dob
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    px = bytearray(ds.PixelData); px[-2] = i + 1; ds.PixelData = bytes(px)
    ds.save_as(out + '/' + name)
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, smallFixture, dir, JSON.stringify(FILES)], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
}

function pydicomPatientId(bytes: Uint8Array): string {
  const file = path.join(work, `regen-${Math.random().toString(36).slice(2)}.dcm`);
  fs.writeFileSync(file, bytes);
  const r = spawnSync(
    '/usr/bin/python3',
    ['-c', 'import sys, pydicom; print(pydicom.dcmread(sys.argv[1]).PatientID)', file],
    {
      encoding: 'utf8',
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

interface Review {
  conflicts: { patientId: number; field: string; files: number; key?: string }[];
  candidates: { patientId: number; sameAs: number; why: string; key?: string }[];
  links: { patientId: number; sameAs: number; reason: string }[];
}

describe('patient identity across keys, issuers and sources', () => {
  const src = path.join(work, 'src');
  const dir = path.join(work, 'project');
  writeDicoms(src);
  expect(medprep(['init', dir]).code).toBe(0);
  const imported = medprep(['import', dir, src, '--json']);
  const db = () => new Database(path.join(dir, 'project.db'), { readonly: true });
  const idOf = (key: string) => {
    const d = db();
    try {
      return d.prepare('SELECT id FROM patients WHERE patient_key = ?').pluck().get(key) as number;
    } finally {
      d.close();
    }
  };

  it('keeps one MRN from two issuers as two patients, and two spellings of one ID apart until a person links them', () => {
    expect(imported.code, imported.stderr).toBe(0);
    const d = db();
    const keys = d.prepare('SELECT patient_key FROM patients ORDER BY patient_key').pluck().all();
    d.close();
    expect(keys).toEqual(['HOSP_A:MRN200', 'HOSP_B:MRN200', 'MRN300', 'mrn300']);
  });

  it('lists demographics that disagree under one key and keys that may be one person, without identifiers in --json', () => {
    const r = medprep(['patients', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const review = JSON.parse(r.stdout) as Review;
    const mrn300 = idOf('MRN300');
    expect(review.conflicts).toEqual([
      { patientId: mrn300, field: 'name', files: 1 },
      { patientId: mrn300, field: 'sex', files: 1 },
    ]);
    // "Smith^Ann^" is SMITH^ANN: case and an empty trailing component are no conflict.
    const pair = (a: number, b: number) => [a, b].sort((x, y) => x - y).join('~');
    expect(review.candidates.map((c) => pair(c.patientId, c.sameAs)).sort()).toEqual(
      [pair(idOf('mrn300'), mrn300), pair(idOf('HOSP_B:MRN200'), idOf('HOSP_A:MRN200'))].sort(),
    );
    for (const c of review.candidates) expect(c.why).toMatch(/same id/);
    expect(review.candidates).toHaveLength(2);
    for (const needle of ['MRN300', 'mrn300', 'MRN200', 'SMITH', 'JONES', 'HOSP_'])
      expect([needle, r.stdout.includes(needle)]).toEqual([needle, false]);
  });

  it('links two keys as one person: one pseudonym, one split, one set of known identifiers; unlink undoes it', async () => {
    const [upper, lower] = [idOf('MRN300'), idOf('mrn300')];
    const link = (...extra: string[]) =>
      medprep(['patients', dir, '--link', String(lower), '--same-as', String(upper), ...extra]);
    expect(link().code).toBe(2); // no reason
    const linked = link('--reason', 'typo at the scanner', '--json');
    expect(linked.code, linked.stderr).toBe(0);
    expect(JSON.parse(linked.stdout)).toEqual({ root: upper });
    const again = link('--reason', 'x');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already one person/);
    const review = JSON.parse(medprep(['patients', dir, '--json']).stdout) as Review;
    expect(review.links).toEqual([
      { patientId: lower, sameAs: upper, reason: 'typo at the scanner', linkedAt: expect.any(String) },
    ]);
    expect(review.candidates.map((c) => c.patientId)).not.toContain(lower);

    expect(medprep(['deid', dir]).code).toBe(0);
    expect(medprep(['curate', dir]).code).toBe(0);
    const project = Project.open(dir);
    try {
      const imageOf = (patient: number) =>
        project.db
          .prepare(
            `SELECT i.id FROM images i JOIN series se ON se.id = i.series_id JOIN studies s ON s.id = se.study_id
             WHERE s.patient_id = ?`,
          )
          .pluck()
          .get(patient) as number;
      const pseudo = async (patient: number) =>
        pydicomPatientId(await deidentifiedDicomBytes(project, imageOf(patient)));
      expect(await pseudo(lower)).toBe(await pseudo(upper));
      expect(await pseudo(idOf('HOSP_A:MRN200'))).not.toBe(await pseudo(idOf('HOSP_B:MRN200')));
      expect(await pseudo(upper)).not.toBe(await pseudo(idOf('HOSP_A:MRN200')));
      const splits = project.db.prepare('SELECT patient_id, split FROM patient_splits').all() as {
        patient_id: number;
        split: string;
      }[];
      const splitOf = (p: number) => splits.find((s) => s.patient_id === p)?.split;
      expect(splitOf(lower)).toBeDefined();
      expect(splitOf(lower)).toBe(splitOf(upper));
      // Both keys' names are known identifiers of the one person, from either side.
      const known = knownForPatient(project.db, lower);
      expect(known.linked).toBe(true);
      expect(known.known.patientNames).toEqual(
        expect.arrayContaining(['SMITH^ANN', 'JONES^BOB', 'Smith^Ann^']),
      );
      expect(known.known.patientIds).toEqual(expect.arrayContaining(['MRN300', 'mrn300']));
    } finally {
      project.close();
    }

    const unlinked = medprep(['patients', dir, '--unlink', String(lower), '--json']);
    expect(JSON.parse(unlinked.stdout)).toEqual({ changed: true });
    const p = Project.open(dir);
    try {
      expect(knownForPatient(p.db, lower).linked).toBe(false);
      expect(knownForPatient(p.db, lower).patientKey).toBe('mrn300');
    } finally {
      p.close();
    }
  });
});
