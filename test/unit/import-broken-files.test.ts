// A MIMIC-CXR tree holding what real exports hold beside the images: an empty .dcm, a .dcm of random bytes, a
// text file named .dcm (broken images: errors with their reasons) and a README (skipped, listed with why).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImportSummary } from '../../electron/api/contract.ts';
import { medprep, sampleMimic, tempDir } from '../support/dicom-tree.ts';

const work = tempDir('medprep-broken-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('files named as DICOM that are not', () => {
  it('are errors with reasons in a MIMIC-CXR tree, and import --json lists the skipped files too', () => {
    const source = path.join(work, 'mimic');
    fs.cpSync(sampleMimic, source, { recursive: true });
    const study = path.join(source, 'files', 'p12', 'p12286358', 's50248196');
    const name = (n: number) => `aaaaaaaa-00000000-00000000-00000000-0000000${n}.dcm`;
    fs.writeFileSync(path.join(study, name(1)), '');
    fs.writeFileSync(
      path.join(study, name(2)),
      Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 131 + 7) % 256)),
    );
    fs.writeFileSync(path.join(study, name(3)), 'FINDINGS: No acute process.\n');
    fs.writeFileSync(path.join(source, 'files', 'README.txt'), 'Exported for research.\n');
    const project = path.join(work, 'project');
    expect(medprep(['init', project]).code).toBe(0);
    const r = medprep(['import', project, source, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as ImportSummary;
    const rel = (n: number) => `files/p12/p12286358/s50248196/${name(n)}`;
    expect(summary.errors).toEqual([
      { path: rel(1), reason: 'not DICOM: the file is empty' },
      { path: rel(2), reason: 'not DICOM: neither the DICM marker at byte 128 nor a dataset at the start' },
      { path: rel(3), reason: 'not DICOM: a text file' },
    ]);
    expect(summary.skippedFiles).toContainEqual({
      path: 'files/README.txt',
      reason: 'not part of the MIMIC-CXR layout',
    });
    expect(summary.skipped).toBe(summary.skippedFiles.length);
    expect(summary.imported).toBeGreaterThan(0);
  });
});
