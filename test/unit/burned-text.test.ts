import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRunner } from '../../native-models/index.ts';
import { dicomViews, readPixelText } from '../../electron/engine/burned-text/index.ts';
import { deidentifiedDicomBytes, masksForImage } from '../../electron/engine/deid/index.ts';
import { hasUnusedBitsSet } from '../../electron/engine/deid-dicom/unused-bits.ts';
import { parseDicom, prepareDecoding } from '../../electron/engine/dicom/index.ts';
import { Project } from '../../electron/engine/project/project.ts';
import { medprep, repoRoot, tempDir } from '../support/dicom-tree.ts';

// Radiographs with a name and an MRN burned in where the old detector could not see them (turned 90°, only in
// frame 2, below the display window, in an unused high bit), plus markers and a clean image
// (scripts/make-burned-text.py fixtures). De-identification reads them with the bundled OCR model.
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'burned-text');
const work = tempDir('medprep-burned-');
const dir = path.join(work, 'project');
const known = { patientNames: ['DOE^JOHN'], patientIds: ['48213377'], birthDate: '19610314' };
const runner = new ModelRunner({ device: 'cpu' });
let project: Project;

interface Row {
  file: string;
  frame: number;
  view: string;
  category: string;
  text: string;
}

afterAll(() => {
  project?.close();
  runner.close();
  fs.rmSync(work, { recursive: true, force: true });
});

beforeAll(() => {
  const src = path.join(work, 'src');
  fs.mkdirSync(src);
  for (const f of fs.readdirSync(fixtures).filter((n) => n.endsWith('.dcm')))
    fs.copyFileSync(path.join(fixtures, f), path.join(src, f));
  expect(medprep(['init', dir]).code).toBe(0);
  expect(medprep(['import', dir, src]).code).toBe(0);
  const r = medprep(['deid', dir, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const summary = JSON.parse(r.stdout) as { pixelText: Record<string, number>; errors: unknown[] };
  expect(summary.errors).toEqual([]);
  expect(summary.pixelText.phi).toBeGreaterThanOrEqual(5);
  project = Project.open(dir);
}, 180_000);

function rows(): Row[] {
  return project.db
    .prepare(
      `SELECT files.rel_path AS file, images.frame, view, category, text FROM pixel_text
       JOIN images ON images.id = pixel_text.image_id JOIN files ON files.id = images.file_id
       ORDER BY files.rel_path, pixel_text.id`,
    )
    .all() as Row[];
}

function imageIds(file: string): number[] {
  return project.db
    .prepare(
      'SELECT images.id FROM images JOIN files ON files.id = images.file_id WHERE files.rel_path = ? ORDER BY frame',
    )
    .pluck()
    .all(file) as number[];
}

/** What the OCR model reads in an exported file, decided with the patient's identifiers. */
async function readExported(bytes: Uint8Array) {
  const file = parseDicom(bytes);
  await prepareDecoding(file);
  const views = dicomViews(file);
  return { file, views, ...(await readPixelText(runner, 'paddleocr-ppocrv4', views, known)) };
}

describe('burned-in text read by OCR during de-identification', () => {
  it('records every line read as a row: the turned name and the MRN masked, the marker kept', () => {
    const turned = rows().filter((r) => r.file === 'turned-name.dcm');
    expect(turned.filter((r) => r.category === 'phi').map((r) => r.text.replace('~', '^'))).toEqual(
      expect.arrayContaining(['MRN 48213377', 'DOE^JOHN']),
    );
    expect(turned.filter((r) => r.category === 'marker').map((r) => r.text)).toContain('PORTABLE');
  });

  it('finds the name only in frame 2, the MRN below the window and the name in bit 13', () => {
    const phi = rows().filter((r) => r.category === 'phi');
    expect(phi.filter((r) => r.file === 'frame-two.dcm').map((r) => r.frame)).toEqual([1]);
    expect(phi.filter((r) => r.file === 'below-window.dcm').map((r) => r.view)).toEqual(['below-window']);
    expect(phi.filter((r) => r.file === 'high-bit.dcm').map((r) => r.view)).toEqual(['bit-plane-13']);
  });

  it('leaves the clean radiograph alone and quarantines nothing it could decide', () => {
    expect(rows().filter((r) => r.file === 'clean.dcm' && r.category !== 'noise')).toEqual([]);
    expect(project.db.prepare('SELECT count(*) FROM quarantine').pluck().get()).toBe(0);
  });

  it('masks the PHI in every frame of the exported DICOM: OCR reads no identifier there, the marker still', async () => {
    for (const name of ['turned-name.dcm', 'frame-two.dcm', 'below-window.dcm', 'high-bit.dcm']) {
      const [id] = imageIds(name);
      expect(masksForImage(project.db, id!).ocr, name).toBeGreaterThan(0);
      const { decisions, file } = await readExported(await deidentifiedDicomBytes(project, id!));
      expect(
        decisions.filter((d) => d.category === 'phi').map((d) => d.text),
        name,
      ).toEqual([]);
      expect(hasUnusedBitsSet(file), name).toBe(false);
      if (name === 'turned-name.dcm') expect(decisions.map((d) => d.text)).toContain('PORTABLE');
    }
  }, 120_000);

  it('zeroes the unused high bits in the export even where nothing is masked', async () => {
    const source = parseDicom(fs.readFileSync(path.join(fixtures, 'high-bit.dcm')));
    expect(hasUnusedBitsSet(source)).toBe(true);
    const { views } = await readExported(await deidentifiedDicomBytes(project, imageIds('high-bit.dcm')[0]!));
    expect(views.map((v) => v.kind)).toEqual(['rendered']);
  }, 60_000);
});
