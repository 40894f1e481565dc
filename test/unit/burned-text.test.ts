import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRunner } from '../../native-models/index.ts';
import { dicomViews, readPixelText } from '../../electron/engine/burned-text/index.ts';
import { deidentifiedDicomBytes, masksForImage } from '../../electron/engine/deid/index.ts';
import { hasUnusedBitsSet } from '../../electron/engine/deid-dicom/unused-bits.ts';
import { parseDicom, prepareDecoding } from '../../electron/engine/dicom/index.ts';
import { sourceImages } from '../../electron/engine/export/images.ts';
import { imagesWithText, pixelGate } from '../../electron/engine/export/pixel-gate.ts';
import { verifyBundle } from '../../electron/engine/export/verify.ts';
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

  it('the export gate reads the images that had text again: masked exports pass, an unmasked one is a leak', async () => {
    const all = project.db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[];
    const src = sourceImages(project, all);
    const images = new Map([...src.values()].map((im) => [`images/${im.id}.dcm`, im]));
    const names = imagesWithText(project.db, images);
    // Every fixture but the clean one had text read in it.
    expect(names).toHaveLength(images.size - 1);
    const out = path.join(work, 'bundle');
    fs.mkdirSync(path.join(out, 'images'), { recursive: true });
    for (const [name, im] of images)
      fs.writeFileSync(path.join(out, name), await deidentifiedDicomBytes(project, im.id));
    const passed = await pixelGate(project, names, images, out);
    expect(passed).toMatchObject({ checked: names.length, hits: [], unreadable: [] });

    // The turned name with its MRN: the generic patterns alone (verify without a project) flag it too.
    const leaky = names.find((n) => images.get(n)!.abs.endsWith('turned-name.dcm'));
    fs.copyFileSync(images.get(leaky!)!.abs, path.join(out, leaky!));
    const failed = await pixelGate(project, names, images, out);
    expect(failed.hits.length).toBeGreaterThan(0);
    expect(new Set(failed.hits.map((h) => h.file))).toEqual(new Set([leaky]));
    // Hits name the file, frame, view and category, never the text read.
    expect(JSON.stringify(failed.hits)).not.toMatch(/DOE|JOHN|48213377/);

    // verify --ocr reads every image of a bundle (no manifest here: only the pixels check matters).
    const report = await verifyBundle(out, null, { ocr: true });
    const pixels = report.checks.find((c) => c.name === 'pixels')!;
    expect(pixels.ok).toBe(false);
    expect(pixels.detail).toContain(leaky);
    fs.writeFileSync(path.join(out, leaky!), await deidentifiedDicomBytes(project, images.get(leaky!)!.id));
    const clean = (await verifyBundle(out, null, { ocr: true })).checks.find((c) => c.name === 'pixels')!;
    expect(clean.ok, clean.detail).toBe(true);
    expect(clean.detail).toMatch(new RegExp(`^${images.size} images read by OCR`));
  }, 180_000);

  it('refuses to run with an OCR model whose files differ from their pinned SHA-256, naming the file', () => {
    const copy = path.join(dir, 'models', 'paddleocr-ppocrv4');
    fs.mkdirSync(copy, { recursive: true });
    const assets = path.join(repoRoot, 'node_modules', '@gutenye', 'ocr-models', 'assets');
    for (const f of ['ch_PP-OCRv4_det_infer.onnx', 'ch_PP-OCRv4_rec_infer.onnx', 'ppocr_keys_v1.txt'])
      fs.copyFileSync(path.join(assets, f), path.join(copy, f));
    fs.appendFileSync(path.join(copy, 'ppocr_keys_v1.txt'), 'X\n');
    try {
      const r = medprep(['deid', dir]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('ppocr_keys_v1.txt has SHA-256');
    } finally {
      fs.rmSync(path.join(dir, 'models'), { recursive: true, force: true });
    }
  });
});
