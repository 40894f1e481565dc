import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDicom, flatHeader } from '../electron/engine/dicom/index.ts';
import { medprep } from '../test/support/dicom-tree.ts';
import {
  ORDINARY_WORD_SURNAMES,
  SURNAMES,
  knownIdentifiers,
  scalePatient,
  writeMimicTree,
} from './scale-data.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medprep-scale-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('scale data', () => {
  it('gives each patient a full header identity, the same for the same seed and index', () => {
    const p = scalePatient(42, { seed: 3 });
    expect(scalePatient(42, { seed: 3 })).toEqual(p);
    expect(scalePatient(43, { seed: 3 }).ids.mrn).not.toBe(p.ids.mrn);
    const known = knownIdentifiers(p, p.studies[0]!);
    const names = [...known.patientNames!, ...known.physicianNames!, ...known.operatorNames!];
    expect(names.length).toBeGreaterThanOrEqual(6);
    expect(known.institutionAddresses).toHaveLength(2);
    const ids = [...known.patientIds!, ...known.accessionNumbers!, ...known.otherIds!];
    expect(ids).toHaveLength(9);
    expect(new Set([...ids, ...known.otherStrings!.slice(0, 1)]).size).toBe(10);
  });

  it('draws common surnames by frequency, ordinary-word ones included unless told not to', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const family = scalePatient(i).name.family;
      counts.set(family, (counts.get(family) ?? 0) + 1);
    }
    // Smith (rank 1) is drawn more than a rank-100 name, and word surnames turn up.
    expect(counts.get('Smith') ?? 0).toBeGreaterThan(counts.get('Jimenez') ?? 0);
    expect([...counts.keys()].filter((n) => ORDINARY_WORD_SURNAMES.has(n)).length).toBeGreaterThan(10);
    for (let i = 0; i < 500; i++)
      expect(ORDINARY_WORD_SURNAMES.has(scalePatient(i, { wordSurnames: false }).name.family)).toBe(false);
    expect(SURNAMES[0]!.name).toBe('Smith');
  });

  it('writes a MIMIC-CXR tree that medprep imports whole, headers carrying the identities', () => {
    const dir = path.join(work, 'src');
    const tree = writeMimicTree(dir, 40, { seed: 5 });
    expect(tree.images).toBeGreaterThanOrEqual(40);
    const project = path.join(work, 'p');
    expect(medprep(['init', project]).code).toBe(0);
    const r = medprep(['import', project, dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { imported: number; reports: number; errors: unknown[] };
    expect(doc).toMatchObject({ imported: tree.images, reports: tree.reports, errors: [] });

    const p = scalePatient(0, { seed: 5 });
    const st = p.studies[0]!;
    const file = path.join(
      dir,
      'files',
      'p10',
      `p${p.subjectId}`,
      `s${st.studyId}`,
      `${st.images[0]!.dicomId}.dcm`,
    );
    const header = flatHeader(parseDicom(fs.readFileSync(file)));
    expect(header.PatientName).toBe(`${p.name.family}^${p.name.given}`);
    expect(header.AccessionNumber).toBe(st.accession);
  });
});
