// A manifest's identity columns (name, MRN, birth date, accession, physician) are identifiers of that patient:
// the report is scrubbed of them like of a DICOM header's values, and they are kept in the stored header for the leak gate.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { medprep, repoRoot, tempDir } from '../support/dicom-tree.ts';

const work = tempDir('medprep-manifest-identity-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const REPORT =
  'FINDINGS: Keisha Whitmore returns. Whitmore reports chest pain since 03/14/1961 per Gallagher. ' +
  'Ref QX7731. IMPRESSION: No acute process.';

describe('a manifest with identity columns', () => {
  const src = path.join(work, 'src');
  const project = path.join(work, 'project');
  fs.mkdirSync(src);
  const padchest = path.join(repoRoot, 'resources', 'sample-data', 'padchest', '0');
  fs.copyFileSync(path.join(padchest, fs.readdirSync(padchest).sort()[0]!), path.join(src, 'a.png'));
  fs.writeFileSync(
    path.join(src, 'manifest.csv'),
    'image_path,patient_id,study_id,Patient_Name,MRN,DOB,Referring_Physician,report\n' +
      `a.png,P1,S1,"WHITMORE^KEISHA",QX7731,1961-03-14,Gallagher^Ann,"${REPORT}"\n`,
  );

  it('scrubs the report of the name, MRN, birth date and physician given only in the manifest', () => {
    // Without the columns, the rules alone miss the untitled name: the columns are what finds it.
    fs.writeFileSync(path.join(work, 'report.txt'), REPORT);
    expect(medprep(['deid-text', path.join(work, 'report.txt')]).stdout).toContain('Whitmore');

    expect(medprep(['init', project]).code).toBe(0);
    const imported = medprep(['import', project, src, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 1, reports: 1 });
    const deid = medprep(['deid', project]);
    expect(deid.code, deid.stderr).toBe(0);

    const db = new Database(path.join(project, 'project.db'), { readonly: true });
    const text = db.prepare('SELECT deid_text FROM reports').pluck().get() as string;
    const header = JSON.parse(db.prepare('SELECT header FROM images').pluck().get() as string) as Record<
      string,
      string
    >;
    db.close();
    for (const needle of ['Keisha', 'Whitmore', 'QX7731', '03/14/1961', 'Gallagher'])
      expect([needle, text.includes(needle)]).toEqual([needle, false]);
    expect(text).toContain('chest pain');
    expect(header).toMatchObject({
      PatientName: 'WHITMORE^KEISHA',
      OtherPatientIDs: 'QX7731',
      PatientBirthDate: '19610314',
      ReferringPhysicianName: 'Gallagher^Ann',
    });
  });
});
