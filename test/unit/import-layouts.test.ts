// Every source layout, end to end through the real `medprep` command: the bundled sample data, trees made
// from it (MIMIC-CXR-JPG, manifests, DICOMDIR) and a generated MIMIC tree big enough to kill mid-way.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImportSummary } from '../../electron/api/contract.ts';
import { detectFormat } from '../../electron/engine/import/detect.ts';
import {
  medprep,
  repoRoot,
  sampleDicomFiles,
  smallFixture,
  snapshot,
  tempDir,
} from '../support/dicom-tree.ts';

const work = tempDir('medprep-layouts-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const sample = path.join(repoRoot, 'resources', 'sample-data');
const sampleMimic = path.join(sample, 'mimic-cxr');
const samplePadchest = path.join(sample, 'padchest');
const PADCHEST_CSV = 'PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv';
const TRUNCATED_PNG = '1/250033804615373056318657770941221501044255750_00-119-975.png';
const MISSING_PNG = '0/227246099642667702107604173650614942620874319_00-057-469.png';

type Summary = ImportSummary;

function newProject(name: string): string {
  const dir = path.join(work, name);
  expect(medprep(['init', dir]).code).toBe(0);
  return dir;
}

function importJson(project: string, source: string, ...extra: string[]): Summary {
  const r = medprep(['import', project, source, '--json', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Summary;
}

function query<T = Record<string, unknown>>(project: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path.join(project, 'project.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const one = (project: string, sql: string, ...params: unknown[]) => query(project, sql, ...params)[0];

function python(script: string, ...args: string[]): void {
  const r = spawnSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

function label(project: string, study: string, source: string, name: string) {
  return one(
    project,
    `SELECT l.value FROM labels l JOIN studies s ON s.id = l.study_id
     WHERE s.study_uid = ? AND l.source = ? AND l.name = ?`,
    study,
    source,
    name,
  );
}

/** Every row an import writes, in a stable order, for comparing two projects. */
function contents(project: string) {
  return {
    files: query(project, 'SELECT rel_path, status, reason FROM files ORDER BY rel_path'),
    images: query(
      project,
      `SELECT f.rel_path, i.frame, i.pixel_hash, i.view_position, i.meta, se.series_uid, st.study_uid
       FROM images i JOIN files f ON f.id = i.file_id JOIN series se ON se.id = i.series_id
       JOIN studies st ON st.id = se.study_id ORDER BY f.rel_path, i.frame`,
    ),
    studies: query(
      project,
      `SELECT s.study_uid, p.patient_key, s.study_date, s.study_time, s.official_split
       FROM studies s JOIN patients p ON p.id = s.patient_id ORDER BY s.study_uid`,
    ),
    labels: query(
      project,
      `SELECT s.study_uid, l.source, l.name, l.value FROM labels l JOIN studies s ON s.id = l.study_id
       ORDER BY s.study_uid, l.source, l.name`,
    ),
    reports: query(
      project,
      `SELECT s.study_uid, f.rel_path, r.raw_text, r.sections, r.language, r.stemmed FROM reports r
       JOIN studies s ON s.id = r.study_id JOIN files f ON f.id = r.file_id ORDER BY s.study_uid, f.rel_path`,
    ),
    series: one(project, 'SELECT count(*) AS n FROM series'),
    integrity: one(project, 'PRAGMA integrity_check'),
  };
}

describe('importing MIMIC-CXR (DICOM)', () => {
  const project = newProject('p-mimic');
  const before = snapshot(sampleMimic);
  const summary = importJson(project, sampleMimic);

  it('is detected from its files/pXX tree', () => {
    expect(detectFormat(sampleMimic)).toMatchObject({ format: 'mimic-cxr' });
  });

  it('imports every image and one report per study, and records the file outside the layout', () => {
    expect(summary).toEqual({
      imported: 20,
      reports: 12,
      skipped: 1,
      skippedFiles: [{ path: 'planted-identifiers.json', reason: 'not part of the MIMIC-CXR layout' }],
      unchanged: 0,
      errors: [],
    });
    expect(query(project, "SELECT rel_path, reason FROM files WHERE status = 'skipped'")).toEqual([
      { rel_path: 'planted-identifiers.json', reason: 'not part of the MIMIC-CXR layout' },
    ]);
    expect(snapshot(sampleMimic)).toBe(before);
  });

  it('keys patients and studies by the folder structure, namespaced by the dataset', () => {
    expect(one(project, 'SELECT count(*) AS n FROM patients')).toEqual({ n: 6 });
    expect(one(project, 'SELECT count(*) AS n FROM studies')).toEqual({ n: 12 });
    const keys = query<{ patient_key: string }>(project, 'SELECT patient_key FROM patients ORDER BY 1');
    expect(keys.map((k) => k.patient_key)).toEqual([
      'mimic-cxr:12286358',
      'mimic-cxr:12351029',
      'mimic-cxr:15802033',
      'mimic-cxr:16505757',
      'mimic-cxr:18682203',
      'mimic-cxr:18827001',
    ]);
    // The DICOM's own StudyInstanceUID stays in the header.
    const img = one(
      project,
      `SELECT i.header FROM images i JOIN series se ON se.id = i.series_id JOIN studies s ON s.id = se.study_id
       WHERE s.study_uid = 'mimic-cxr:50248196' LIMIT 1`,
    ) as { header: string };
    expect(JSON.parse(img.header).StudyInstanceUID).toMatch(/^2\.25\./);
  });

  it('keeps the official split, and study dates and times (pandas float times mended)', () => {
    expect(
      one(
        project,
        "SELECT official_split, study_date, study_time FROM studies WHERE study_uid = 'mimic-cxr:54162535'",
      ),
    ).toEqual({
      official_split: 'train',
      study_date: '20210402',
      study_time: '091512',
    });
    expect(one(project, "SELECT official_split FROM studies WHERE study_uid = 'mimic-cxr:58820629'")).toEqual(
      {
        official_split: 'validate',
      },
    );
    expect(one(project, "SELECT official_split FROM studies WHERE study_uid = 'mimic-cxr:54043304'")).toEqual(
      {
        official_split: 'test',
      },
    );
  });

  it('keeps labels in four states per labeler, as the CSVs say', () => {
    expect(
      query(project, 'SELECT source, count(*) AS n FROM labels GROUP BY source ORDER BY source'),
    ).toEqual([
      { source: 'chexpert', n: 12 * 14 },
      { source: 'negbio', n: 12 * 14 },
    ]);
    // 12286358,50248196,,0.0,1.0,,,,1.0,,,0.0,,-1.0,0.0,  (chexpert) and Pneumonia 1.0 in negbio
    const s = 'mimic-cxr:50248196';
    expect(label(project, s, 'chexpert', 'Atelectasis')).toEqual({ value: null });
    expect(label(project, s, 'chexpert', 'Cardiomegaly')).toEqual({ value: 0 });
    expect(label(project, s, 'chexpert', 'Consolidation')).toEqual({ value: 1 });
    expect(label(project, s, 'chexpert', 'Pneumonia')).toEqual({ value: -1 });
    expect(label(project, s, 'negbio', 'Pneumonia')).toEqual({ value: 1 });
    expect(label(project, 'mimic-cxr:54043304', 'chexpert', 'Atelectasis')).toEqual({ value: -1 });
    expect(label(project, 'mimic-cxr:54043304', 'negbio', 'Atelectasis')).toEqual({ value: 1 });
  });

  it('stores each report raw and sectioned, against the row of its .txt file', () => {
    const reports = query<{ rel_path: string; raw_text: string; sections: string; study_uid: string }>(
      project,
      `SELECT f.rel_path, r.raw_text, r.sections, s.study_uid FROM reports r JOIN files f ON f.id = r.file_id
       JOIN studies s ON s.id = r.study_id ORDER BY f.rel_path`,
    );
    expect(reports).toHaveLength(12);
    for (const r of reports) {
      expect(r.rel_path).toMatch(/^files\/p\d\d\/p\d+\/s\d+\.txt$/);
      expect(r.raw_text).toBe(fs.readFileSync(path.join(sampleMimic, r.rel_path), 'utf8'));
      expect(r.study_uid).toBe(`mimic-cxr:${/s(\d+)\.txt$/.exec(r.rel_path)![1]}`);
    }
    const bySuffix = (s: string) => JSON.parse(reports.find((r) => r.rel_path.endsWith(s))!.sections);
    expect(bySuffix('s55803838.txt')).toMatchObject({
      findings: null,
      impression: null,
      last_paragraph: 'Normal chest radiographs without evidence of pneumonia or pneumothorax.',
    });
    expect(bySuffix('s54162535.txt').addendum).toMatch(/^Correlation with the chest CT/);
  });

  it('on a re-run reads nothing again and writes nothing new', () => {
    const rows = contents(project);
    expect(importJson(project, sampleMimic)).toEqual({
      imported: 0,
      reports: 0,
      skipped: 0,
      skippedFiles: [],
      unchanged: 39,
      errors: [],
    });
    expect(contents(project)).toEqual(rows);
  });
});

describe('importing MIMIC-CXR-JPG', () => {
  const src = path.join(work, 'mimic-jpg');
  // The JPG release: the same tree with 8-bit JPEGs (min-max scaled, MONOCHROME1 inverted), reports and CSVs.
  python(
    `
import sys, shutil, pathlib
import numpy as np, pydicom
from PIL import Image
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for f in src.rglob('*'):
    rel = f.relative_to(src)
    if f.is_dir(): continue
    out = dst / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    if f.suffix == '.dcm':
        ds = pydicom.dcmread(f)
        a = ds.pixel_array.astype(np.float64)
        a = (a - a.min()) / max(1, a.max() - a.min()) * 255
        if ds.PhotometricInterpretation == 'MONOCHROME1': a = 255 - a
        Image.fromarray(a.round().astype(np.uint8), 'L').save(out.with_suffix('.jpg'), quality=95)
    else:
        shutil.copy(f, out)
`,
    sampleMimic,
    src,
  );
  const project = newProject('p-mimic-jpg');
  const summary = importJson(project, src);

  it('is detected from its .jpg images and imported with the same keys, labels and split', () => {
    expect(detectFormat(src)).toMatchObject({ format: 'mimic-cxr-jpg' });
    expect(summary).toMatchObject({ imported: 20, reports: 12, errors: [] });
    expect(one(project, 'SELECT count(*) AS n FROM studies')).toEqual({ n: 12 });
    expect(label(project, 'mimic-cxr:50248196', 'chexpert', 'Pneumonia')).toEqual({ value: -1 });
    expect(one(project, "SELECT official_split FROM studies WHERE study_uid = 'mimic-cxr:58820629'")).toEqual(
      {
        official_split: 'validate',
      },
    );
  });

  it('decodes 8-bit grayscale with sharp and takes the view from the metadata CSV', () => {
    const rows = query<{
      rel_path: string;
      view_position: string;
      bits_stored: number;
      samples_per_pixel: number;
      transfer_syntax: string;
    }>(
      project,
      `SELECT f.rel_path, i.view_position, i.bits_stored, i.samples_per_pixel, i.transfer_syntax
       FROM images i JOIN files f ON f.id = i.file_id`,
    );
    expect(rows).toHaveLength(20);
    for (const r of rows) {
      expect(r).toMatchObject({ bits_stored: 8, samples_per_pixel: 1, transfer_syntax: 'image/jpeg' });
      expect(['PA', 'AP', 'LATERAL']).toContain(r.view_position);
    }
    expect(rows.find((r) => r.rel_path.includes('s50107391/'))?.view_position).toBe('AP');
  });
});

describe('importing PADCHEST', () => {
  const project = newProject('p-padchest');
  const before = snapshot(samplePadchest);
  const summary = importJson(project, samplePadchest);
  const study = (row: number) =>
    `padchest:${
      [
        '27127819128952860989341506032885924630',
        '27127819128952860989341506032885924630',
        '21843709064943193990724719890098470550',
        '28816733332735306650259127206135457098',
      ][row]
    }`;

  it('is detected from its CSV', () => {
    expect(detectFormat(samplePadchest)).toMatchObject({ format: 'padchest' });
  });

  it('imports the readable images and records the truncated PNG and the missing file as errors', () => {
    expect(summary.imported).toBe(11);
    expect(summary.reports).toBe(11);
    expect(summary.errors).toEqual([
      { path: MISSING_PNG, reason: 'listed in the CSV (line 14) but missing' },
      { path: TRUNCATED_PNG, reason: expect.stringMatching(/^PNG cannot be decoded/) },
    ]);
    expect(snapshot(samplePadchest)).toBe(before);
    expect(one(project, 'SELECT count(*) AS n FROM patients')).toEqual({ n: 11 });
    expect(one(project, 'SELECT count(*) AS n FROM studies')).toEqual({ n: 11 });
  });

  it('keeps 16-bit precision, the projection as the view, and the pediatric flag', () => {
    const imgs = query<{
      rel_path: string;
      bits_stored: number;
      view_position: string;
      meta: string;
      header: string;
    }>(
      project,
      'SELECT f.rel_path, i.bits_stored, i.view_position, i.meta, i.header FROM images i JOIN files f ON f.id = i.file_id',
    );
    expect(new Set(imgs.map((i) => i.bits_stored))).toEqual(new Set([16]));
    expect(new Set(imgs.map((i) => i.view_position))).toEqual(
      new Set(['PA', 'LATERAL', 'AP', 'AP_horizontal']),
    );
    const ped = imgs.filter((i) => JSON.parse(i.meta).pediatric === true);
    expect(ped).toHaveLength(1);
    const first = imgs.find((i) => i.rel_path.startsWith('0/204004682274799740796283261504476784030817934'))!;
    expect(JSON.parse(first.meta)).toMatchObject({ Projection: 'PA', pediatric: false, ReportID: '1525556' });
    expect(JSON.parse(first.header)).toMatchObject({
      ViewPosition: 'POSTEROANTERIOR',
      Modality: 'DX',
      BitsStored: '12',
    });
  });

  it('keeps sex and birth year, an empty birth year as unknown', () => {
    expect(
      one(
        project,
        "SELECT sex, birth_year FROM patients WHERE patient_key = 'padchest:854516714359202157583906371711986921'",
      ),
    ).toEqual({
      sex: 'M',
      birth_year: 1959,
    });
    expect(
      one(
        project,
        "SELECT birth_year FROM patients WHERE patient_key = 'padchest:849650178000429284302174687668328453'",
      ),
    ).toEqual({
      birth_year: null,
    });
  });

  it('turns the list columns into labels and localizations, through every repr trap', () => {
    const names = (s: string, source: string) =>
      query<{ name: string; value: number }>(
        project,
        'SELECT l.name, l.value FROM labels l JOIN studies s ON s.id = l.study_id WHERE s.study_uid = ? AND l.source = ? ORDER BY l.name',
        s,
        source,
      );
    expect(names(study(2), 'padchest')).toEqual([
      { name: 'infiltrates', value: 1 },
      { name: 'pneumonia', value: 1 },
    ]);
    expect(names(study(2), 'padchest-localization')).toEqual([
      { name: 'loc basal', value: 1 },
      { name: 'loc right', value: 1 },
    ]);
    expect(names(study(3), 'padchest-localization')).toEqual([{ name: 'loc cardiac', value: 1 }]);
    // Rows 0 and 1 (PA and lateral) share one study: one set of labels.
    expect(names(study(0), 'padchest')).toEqual([{ name: 'normal', value: 1 }]);
    // Row 6 has empty Labels: no labels at all, not "normal".
    expect(
      query(
        project,
        "SELECT l.name FROM labels l JOIN studies s ON s.id = l.study_id WHERE s.study_uid = 'padchest:25868461683329193628847371062174547899'",
      ),
    ).toEqual([]);
    const imgCuis = query<{ meta: string }>(
      project,
      "SELECT i.meta FROM images i JOIN files f ON f.id = i.file_id WHERE f.rel_path LIKE '0/204348937830606951963585864104114757846497819%'",
    );
    expect(JSON.parse(imgCuis[0]!.meta).labelCUIS).toEqual(['C0032227', 'C0239029']);
  });

  it('keeps the stemmed Spanish report as given, flagged so it is never used as a target sentence', () => {
    const reports = query<{
      raw_text: string;
      language: string;
      stemmed: number;
      sections: string;
      rel_path: string;
    }>(
      project,
      'SELECT r.raw_text, r.language, r.stemmed, r.sections, f.rel_path FROM reports r JOIN files f ON f.id = r.file_id',
    );
    expect(reports).toHaveLength(11);
    for (const r of reports)
      expect(r).toMatchObject({ language: 'es', stemmed: 1, sections: '{}', rel_path: PADCHEST_CSV });
    expect(reports.map((r) => r.raw_text)).toContain(
      'siluet cardiomediastin dentr limit normal . no se observ infiltr ni derram pleural .',
    );
  });

  it('on a re-run leaves everything as it was', () => {
    const rows = contents(project);
    const again = importJson(project, samplePadchest);
    expect(again).toMatchObject({ imported: 0, reports: 0, skipped: 0 });
    expect(contents(project)).toEqual(rows);
  });
});

describe('importing a manifest', () => {
  const dir = path.join(work, 'manifest-src');
  fs.mkdirSync(path.join(dir, 'img'), { recursive: true });
  const pngs = fs.readdirSync(path.join(samplePadchest, '0')).sort().slice(0, 2);
  pngs.forEach((p, i) =>
    fs.copyFileSync(path.join(samplePadchest, '0', p), path.join(dir, 'img', `a${i}.png`)),
  );
  const dcm = sampleDicomFiles()[0]!;
  fs.copyFileSync(dcm, path.join(dir, 'img', 'b.dcm'));
  const outside = path.join(work, 'outside.png');
  fs.copyFileSync(
    path.join(samplePadchest, '1', fs.readdirSync(path.join(samplePadchest, '1')).sort()[0]!),
    outside,
  );
  fs.writeFileSync(
    path.join(dir, 'manifest.csv'),
    [
      'image_path,report,patient_id,study_id,split,label_Cardiomegaly,label_Edema',
      'img/a0.png," FINDINGS:  Big heart.\n \n IMPRESSION:  Cardiomegaly.",P1,S1,train,1.0,',
      'img/a1.png,,P1,S2,val,0,-1',
      'img/b.dcm,,,,,,',
      `${outside},,P2,S3,test,,1`,
      'img/missing.png,,P3,S4,train,,',
    ].join('\n') + '\n',
  );
  const project = newProject('p-manifest');
  const summary = importJson(project, dir);

  it('is detected in a folder and as a file', () => {
    expect(detectFormat(dir)).toMatchObject({ format: 'manifest' });
    expect(detectFormat(path.join(dir, 'manifest.csv'))).toMatchObject({ format: 'manifest' });
  });

  it('imports PNG and DICOM rows, relative and absolute paths, and records the missing file', () => {
    expect(summary).toMatchObject({
      imported: 4,
      reports: 1,
      errors: [{ path: 'img/missing.png', reason: 'listed in the manifest (line 6) but missing' }],
    });
    const files = query<{ rel_path: string }>(
      project,
      "SELECT rel_path FROM files WHERE status = 'imported' ORDER BY 1",
    );
    expect(files.map((f) => f.rel_path)).toEqual(
      [outside, 'img/a0.png', 'img/a1.png', 'img/b.dcm', 'manifest.csv'].sort(),
    );
  });

  it('keys patients and studies from its columns, and the DICOM header when it has none', () => {
    expect(query(project, 'SELECT patient_key FROM patients ORDER BY 1')).toEqual([
      { patient_key: 'MRN-FAKE-0001' },
      { patient_key: 'manifest:P1' },
      { patient_key: 'manifest:P2' },
      { patient_key: 'manifest:P3' },
    ]);
    expect(
      query(
        project,
        "SELECT study_uid, official_split FROM studies WHERE study_uid LIKE 'manifest:%' ORDER BY 1",
      ),
    ).toEqual([
      { study_uid: 'manifest:S1', official_split: 'train' },
      { study_uid: 'manifest:S2', official_split: 'validate' },
      { study_uid: 'manifest:S3', official_split: 'test' },
      { study_uid: 'manifest:S4', official_split: 'train' },
    ]);
  });

  it('reads label_<name> columns in four states and sections the report', () => {
    expect(label(project, 'manifest:S1', 'manifest', 'Cardiomegaly')).toEqual({ value: 1 });
    expect(label(project, 'manifest:S1', 'manifest', 'Edema')).toEqual({ value: null });
    expect(label(project, 'manifest:S2', 'manifest', 'Cardiomegaly')).toEqual({ value: 0 });
    expect(label(project, 'manifest:S2', 'manifest', 'Edema')).toEqual({ value: -1 });
    const r = one(project, 'SELECT sections, stemmed FROM reports') as { sections: string; stemmed: number };
    expect(JSON.parse(r.sections)).toMatchObject({ findings: 'Big heart.', impression: 'Cardiomegaly.' });
    expect(r.stemmed).toBe(0);
  });

  it('reads JSONL with a labels object, and refuses a label it cannot read', () => {
    const jdir = path.join(work, 'manifest-jsonl');
    fs.mkdirSync(jdir);
    fs.copyFileSync(path.join(dir, 'img', 'a0.png'), path.join(jdir, 'x.png'));
    fs.copyFileSync(path.join(dir, 'img', 'a1.png'), path.join(jdir, 'y.png'));
    fs.writeFileSync(
      path.join(jdir, 'data.jsonl'),
      [
        JSON.stringify({
          path: 'x.png',
          patient_id: 'J1',
          study_id: 'T1',
          split: 'train',
          labels: { Edema: 1, Effusion: null, Mass: -1 },
          report: 'IMPRESSION: Edema.',
        }),
        '',
        JSON.stringify({ file: 'y.png', patient_id: 'J2', study_id: 'T2', labels: { Edema: 'maybe' } }),
        'not json',
      ].join('\n') + '\n',
    );
    expect(detectFormat(jdir)).toMatchObject({ format: 'manifest' });
    const p = newProject('p-jsonl');
    const s = importJson(p, path.join(jdir, 'data.jsonl'));
    expect(s).toMatchObject({ imported: 1, reports: 1 });
    expect(s.errors).toEqual([
      { path: 'data.jsonl#line-4', reason: 'line 4 is not JSON' },
      { path: 'y.png', reason: expect.stringMatching(/label "Edema" is "maybe"/) },
    ]);
    expect(label(p, 'manifest:T1', 'manifest', 'Edema')).toEqual({ value: 1 });
    expect(label(p, 'manifest:T1', 'manifest', 'Effusion')).toEqual({ value: null });
    expect(label(p, 'manifest:T1', 'manifest', 'Mass')).toEqual({ value: -1 });
  });

  it('hashes a 16-bit PNG and a DICOM holding the same pixels the same', () => {
    const hdir = path.join(work, 'same-pixels');
    fs.mkdirSync(hdir);
    python(
      `
import sys, numpy as np, pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
d = sys.argv[1]
a = (np.arange(48 * 64, dtype=np.uint32) * 37 % 65536).astype(np.uint16).reshape(48, 64)
Image.fromarray(a.astype(np.int32)).convert('I;16').save(d + '/p.png')
meta = FileMetaDataset()
meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.1'
meta.MediaStorageSOPInstanceUID = generate_uid()
meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds = Dataset()
ds.file_meta = meta
ds.SOPClassUID = meta.MediaStorageSOPClassUID
ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
ds.StudyInstanceUID = generate_uid(); ds.SeriesInstanceUID = generate_uid(); ds.PatientID = 'X'
ds.Modality = 'CR'; ds.Rows, ds.Columns = a.shape; ds.SamplesPerPixel = 1
ds.PhotometricInterpretation = 'MONOCHROME2'; ds.BitsAllocated = 16; ds.BitsStored = 16; ds.HighBit = 15
ds.PixelRepresentation = 0; ds.PixelData = a.tobytes()
ds.is_little_endian = True; ds.is_implicit_VR = False
ds.save_as(d + '/d.dcm', write_like_original=False)
`,
      hdir,
    );
    fs.writeFileSync(path.join(hdir, 'list.csv'), 'path\np.png\nd.dcm\n');
    const p = newProject('p-same-pixels');
    expect(importJson(p, hdir)).toMatchObject({ imported: 2, errors: [] });
    const hashes = query<{ pixel_hash: string; phash: string | null }>(
      p,
      'SELECT pixel_hash, phash FROM images',
    );
    expect(hashes).toHaveLength(2);
    expect(hashes[0]!.pixel_hash).toBe(hashes[1]!.pixel_hash);
    expect(hashes[0]!.phash).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('importing a DICOM folder with a DICOMDIR', () => {
  const makeSet = (dir: string) =>
    python(
      `
import sys
from pydicom.fileset import FileSet
fs = FileSet()
for f in sys.argv[2:]: fs.add(f)
fs.write(sys.argv[1])
`,
      dir,
      ...sampleDicomFiles().slice(0, 4),
    );

  it('uses the DICOMDIR, records it as skipped, and never imports it', () => {
    const dir = path.join(work, 'dicomdir-ok');
    makeSet(dir);
    expect(detectFormat(dir)).toMatchObject({ format: 'dicom', evidence: expect.stringMatching(/DICOMDIR/) });
    const p = newProject('p-dicomdir');
    expect(importJson(p, dir)).toMatchObject({ imported: 4, skipped: 1, errors: [] });
    expect(query(p, "SELECT rel_path, reason FROM files WHERE status = 'skipped'")).toEqual([
      { rel_path: 'DICOMDIR', reason: 'DICOMDIR' },
    ]);
  });

  it('records a file the DICOMDIR references but that is gone', () => {
    const dir = path.join(work, 'dicomdir-missing');
    makeSet(dir);
    const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter(
      (f) => f !== 'DICOMDIR' && fs.statSync(path.join(dir, f)).isFile(),
    );
    fs.rmSync(path.join(dir, files.sort()[0]!));
    const p = newProject('p-dicomdir-missing');
    const s = importJson(p, dir);
    expect(s.imported).toBe(3);
    expect(s.errors).toEqual([{ path: files.sort()[0]!, reason: 'referenced by the DICOMDIR but missing' }]);
  });

  it('ignores a broken DICOMDIR, records it, and walks the folder', () => {
    const dir = path.join(work, 'dicomdir-broken');
    makeSet(dir);
    const whole = fs.readFileSync(path.join(dir, 'DICOMDIR'));
    fs.writeFileSync(path.join(dir, 'DICOMDIR'), whole.subarray(0, 200));
    const p = newProject('p-dicomdir-broken');
    const s = importJson(p, dir);
    expect(s.imported).toBe(4);
    expect(s.errors).toEqual([
      { path: 'DICOMDIR', reason: expect.stringMatching(/^broken DICOMDIR .*walked instead$/) },
    ]);
  });
});

/** A MIMIC-CXR tree of `studies` studies (two small DICOMs and a report each) with gzipped CSVs. */
function makeMimicTree(dir: string, studies: number): void {
  const template = fs.readFileSync(smallFixture);
  const chexpert = ['subject_id,study_id,Atelectasis,Edema'];
  const split = ['dicom_id,study_id,subject_id,split'];
  const metadata = ['dicom_id,subject_id,study_id,ViewPosition,StudyDate,StudyTime'];
  for (let i = 0; i < studies; i++) {
    const subject = 10000000 + Math.floor(i / 2);
    const study = 50000000 + i * 7;
    const studyDir = path.join(dir, 'files', `p${String(subject).slice(0, 2)}`, `p${subject}`, `s${study}`);
    fs.mkdirSync(studyDir, { recursive: true });
    for (let k = 0; k < 2; k++) {
      const dicomId = `${String(i).padStart(8, '0')}-0000000${k}-aaaaaaaa-bbbbbbbb-cccccccc`;
      const buf = Buffer.from(template);
      buf.writeUInt32LE(i * 2 + k, buf.length - 8);
      fs.writeFileSync(path.join(studyDir, `${dicomId}.dcm`), buf);
      split.push(`${dicomId},${study},${subject},${['train', 'validate', 'test'][subject % 3]}`);
      metadata.push(
        `${dicomId},${subject},${study},${k ? 'LATERAL' : 'PA'},2020${String((i % 12) + 1).padStart(2, '0')}15,${91500 + i}.0`,
      );
    }
    fs.writeFileSync(
      `${studyDir}.txt`,
      `                                 FINAL REPORT\n FINDINGS:  Study ${i}.\n \n IMPRESSION:  Fine.\n`,
    );
    chexpert.push(`${subject},${study},${['1.0', '0.0', '-1.0', ''][i % 4]},${['', '1.0'][i % 2]}`);
  }
  fs.writeFileSync(path.join(dir, 'mimic-cxr-2.0.0-chexpert.csv.gz'), gzipSync(chexpert.join('\n') + '\n'));
  fs.writeFileSync(path.join(dir, 'mimic-cxr-2.0.0-split.csv.gz'), gzipSync(split.join('\n') + '\n'));
  fs.writeFileSync(path.join(dir, 'mimic-cxr-2.0.0-metadata.csv'), metadata.join('\n') + '\n');
}

describe('a MIMIC-CXR import killed mid-way', () => {
  it('ends, after a re-run, with exactly the rows of an uninterrupted import', async () => {
    const src = path.join(work, 'mimic-big');
    makeMimicTree(src, 1200);
    const clean = newProject('p-mimic-clean');
    const cleanSummary = importJson(clean, src);
    expect(cleanSummary).toMatchObject({ imported: 2400, reports: 1200, errors: [] });
    const cleanRows = contents(clean);
    expect(cleanRows.labels).toHaveLength(2400);
    expect(cleanRows.studies).toHaveLength(1200);

    const killed = newProject('p-mimic-killed');
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'electron', 'cli', 'bin.js'), 'import', killed, src],
      {
        stdio: 'ignore',
      },
    );
    const db = new Database(path.join(killed, 'project.db'), { readonly: true });
    const written = () => (db.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n;
    const deadline = Date.now() + 60_000;
    while (written() < 400 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const atKill = written();
    db.close();
    expect(atKill).toBeGreaterThanOrEqual(400);
    expect(atKill).toBeLessThan(3603); // really killed mid-way

    importJson(killed, src);
    const rows = contents(killed);
    expect(rows.integrity).toEqual({ integrity_check: 'ok' });
    expect(rows).toEqual(cleanRows);

    // And a third run changes nothing.
    expect(importJson(killed, src)).toMatchObject({ imported: 0, reports: 0, errors: [] });
    expect(contents(killed)).toEqual(cleanRows);
  }, 180_000);

  it('re-applies a changed labels CSV to every study without reading the images again', () => {
    const src = path.join(work, 'mimic-relabel');
    makeMimicTree(src, 20);
    const p = newProject('p-mimic-relabel');
    importJson(p, src);
    expect(label(p, 'mimic-cxr:50000000', 'chexpert', 'Atelectasis')).toEqual({ value: 1 });
    const csv = 'subject_id,study_id,Atelectasis,Edema\n10000000,50000000,0.0,\n';
    fs.writeFileSync(path.join(src, 'mimic-cxr-2.0.0-chexpert.csv.gz'), gzipSync(csv));
    expect(importJson(p, src)).toMatchObject({ imported: 0, reports: 0 });
    expect(label(p, 'mimic-cxr:50000000', 'chexpert', 'Atelectasis')).toEqual({ value: 0 });
    // A study the new CSV no longer lists has no chexpert labels left.
    expect(label(p, 'mimic-cxr:50000007', 'chexpert', 'Atelectasis')).toBeUndefined();
  });

  it('refuses an image whose folder contradicts the CSVs instead of mislabeling it', () => {
    const src = path.join(work, 'mimic-moved');
    makeMimicTree(src, 4);
    // Move study 50000007's folder (and report) under another subject.
    const from = path.join(src, 'files', 'p10', 'p10000000', 's50000007');
    const to = path.join(src, 'files', 'p10', 'p10000001', 's50000007');
    fs.renameSync(from, to);
    fs.renameSync(`${from}.txt`, `${to}.txt`);
    const p = newProject('p-mimic-moved');
    const s = importJson(p, src);
    expect(s.imported).toBe(6);
    expect(s.errors.map((e) => e.reason)).toEqual(
      Array(3).fill('study s50000007 is under p10000001 but the CSVs list it under p10000000'),
    );
  });
});
