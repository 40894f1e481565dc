// Issue 4's "done when": the sample MIMIC-CXR export, run through the real CLI (import → deid → sft → export),
// with de-identified DICOM images and with PNG images (packed as a zip), holds no original identifier in any
// byte of any file, nor inside the archive's members.
//
// What is scanned, and the rules for values too short to scan everywhere (nothing is exempted silently):
// - Identifiers: every planted value (`planted-identifiers.json`: headers and report phrases) and every
//   identifying value of every imported header (IDENTIFYING_KEYS below: names, IDs, accession, UIDs, dates,
//   institution, stations, private text), the project's source ids (MIMIC subject, study and dicom ids).
// - Forms: case-insensitive; person names as stored (LAST^FIRST^MIDDLE), with spaces, in either order, and
//   "LAST, FIRST"; dates YYYYMMDD as YYYYMMDD, YYYY-MM-DD and MM/DD/YYYY.
// - Values of 5 characters or more are searched as substrings of every byte of every file and archive member.
// - Values under 5 characters (the report initials "CTN", StudyID "0001", the family name "DOE", first names
//   like "JOHN"), and the single name components, are searched as whole tokens (not next to a letter or digit)
//   in every byte that is not compressed data: every non-image file, every archive member (decompressed), the
//   DICOM header before Pixel Data; not in the zip's own deflated bytes. A 3- or 4-byte token occurs by chance in megabytes of compressed pixels, so they
//   are not searched in PNG/JPEG pixel streams or DICOM Pixel Data; the test asserts instead that the PNG
//   files carry no text chunks (tEXt, zTXt, iTXt) or EXIF, so pixels are all those files hold.
// - Not identifiers, not scanned: sex (F/M) and age, which the profile keeps on purpose (ages over 89 are
//   capped); device make, model and software version (FAKEVENDOR, "FAKE DR 1000"), kept by the profile, which
//   contain the word FAKE also found in the operator's planted name TECHNOLOGIST^FAKE; so the component FAKE
//   is searched only in the full-name forms. Times (StudyTime) are not scanned.
// - Name components that are ordinary English words appearing in MedPrep's own card and instructions
//   (SAMPLE, as in "samples") are searched only in the full-name forms (SAMPLE^JOHN^Q, "JOHN Q SAMPLE", …).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleEntries } from '../support/bundle-entries.ts';
import { medprep, sampleMimic, tempDir } from '../support/dicom-tree.ts';

const work = tempDir('medprep-bytescan-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const IDENTIFYING_KEYS = [
  'PatientName',
  'PatientID',
  'OtherPatientIDs',
  'OtherPatientNames',
  'PatientBirthDate',
  'PatientAddress',
  'PatientTelephoneNumbers',
  'AccessionNumber',
  'StudyID',
  'StudyInstanceUID',
  'SeriesInstanceUID',
  'SOPInstanceUID',
  'FrameOfReferenceUID',
  'StudyDate',
  'SeriesDate',
  'AcquisitionDate',
  'ContentDate',
  'InstanceCreationDate',
  'InstitutionName',
  'InstitutionAddress',
  'InstitutionalDepartmentName',
  'ReferringPhysicianName',
  'PerformingPhysicianName',
  'NameOfPhysiciansReadingStudy',
  'OperatorsName',
  'StationName',
  'DeviceSerialNumber',
];
const PERSON_KEYS = /Name$/u;
const NOT_PERSON = new Set(['InstitutionName', 'StationName', 'InstitutionalDepartmentName']);
/** Components searched only inside full names: English words of MedPrep's own text, or kept device words. */
const COMPONENT_ONLY_IN_FULL_NAMES = new Set(['SAMPLE', 'FAKE']);
const SHORT = 5;
const SECRET = 'a3'.repeat(32);

interface Needles {
  /** Substrings of every byte. */
  everywhere: Set<string>;
  /** Whole tokens of every byte outside compressed pixel data. */
  tokens: Set<string>;
}

function addValue(n: Needles, raw: string): void {
  const v = raw.trim().toLowerCase();
  if (v === '') return;
  if (v.length >= SHORT) n.everywhere.add(v);
  else n.tokens.add(v);
}

function addPerson(n: Needles, pn: string): void {
  for (const one of pn.split('\\')) {
    const parts = one
      .split('^')
      .map((p) => p.trim())
      .filter(Boolean);
    if (parts.length === 0) continue;
    addValue(n, one);
    addValue(n, parts.join(' '));
    const [family, ...given] = parts;
    if (given.length > 0) {
      addValue(n, [...given, family].join(' '));
      addValue(n, `${family}, ${given.join(' ')}`);
      addValue(n, [...parts].reverse().join(' '));
    }
    for (const p of parts)
      if (!COMPONENT_ONLY_IN_FULL_NAMES.has(p.toUpperCase()) && p.length > 1) n.tokens.add(p.toLowerCase());
  }
}

function addDate(n: Needles, v: string): void {
  const d = /^(\d{4})(\d{2})(\d{2})$/u.exec(v.trim());
  if (!d) return addValue(n, v);
  const [, y, m, day] = d;
  for (const f of [`${y}${m}${day}`, `${y}-${m}-${day}`, `${m}/${day}/${y}`]) addValue(n, f);
}

function addHeaderValue(n: Needles, key: string, value: string): void {
  if (/Date$/u.test(key)) for (const v of value.split('\\')) addDate(n, v);
  else if (PERSON_KEYS.test(key) && !NOT_PERSON.has(key)) addPerson(n, value);
  else for (const v of value.split('\\')) addValue(n, v);
}

function needlesFor(projectDir: string): Needles {
  const n: Needles = { everywhere: new Set(), tokens: new Set() };
  const planted = JSON.parse(fs.readFileSync(path.join(sampleMimic, 'planted-identifiers.json'), 'utf8')) as {
    dicom_headers: Record<string, string[]>;
    reports: Record<string, string[]>;
  };
  for (const [key, values] of Object.entries(planted.dicom_headers))
    for (const v of values) addHeaderValue(n, key, v);
  for (const values of Object.values(planted.reports)) for (const v of values) addValue(n, v);
  const db = new Database(path.join(projectDir, 'project.db'), { readonly: true });
  try {
    for (const header of db.prepare('SELECT header FROM images').pluck().all() as string[]) {
      const h = JSON.parse(header) as Record<string, string>;
      for (const key of IDENTIFYING_KEYS) if (h[key]) addHeaderValue(n, key, h[key]);
      // Private elements (the flat header names them by tag): their text is free text of the source.
      for (const [key, value] of Object.entries(h)) if (/^\(0019,/u.test(key)) addValue(n, value);
    }
    const rows = db
      .prepare(
        `SELECT p.patient_key AS patient, s.study_uid AS study, s.accession, i.meta
         FROM images i JOIN series se ON se.id = i.series_id JOIN studies s ON s.id = se.study_id
         JOIN patients p ON p.id = s.patient_id`,
      )
      .all() as { patient: string; study: string; accession: string | null; meta: string }[];
    for (const r of rows) {
      for (const v of [r.patient, r.study]) addValue(n, v.replace(/^[a-z-]+:/u, ''));
      if (r.accession) addValue(n, r.accession);
      const meta = JSON.parse(r.meta) as Record<string, unknown>;
      for (const k of ['dicom_id', 'subject_id', 'study_id'])
        if (typeof meta[k] === 'string' || typeof meta[k] === 'number') addValue(n, String(meta[k]));
    }
  } finally {
    db.close();
  }
  return n;
}

interface Scanned {
  name: string;
  bytes: Buffer;
}

/**
 * The part of a file that is not compressed data, or null for a PNG/JPEG (pixels only, checked apart) and for
 * an archive (deflated; its members are scanned decompressed).
 */
function textPart(name: string, bytes: Buffer): Buffer | null {
  if (/\.(?:png|jpe?g|zip)$/iu.test(name)) return null;
  if (name.endsWith('.dcm')) {
    const at = bytes.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
    return at < 0 ? bytes : bytes.subarray(0, at);
  }
  return bytes;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');

function hits(files: Scanned[], n: Needles): string[] {
  const found: string[] = [];
  const tokens = [...n.tokens].map((t) => ({
    t,
    re: new RegExp(`(?<![a-z0-9])${escape(t)}(?![a-z0-9])`, 'u'),
  }));
  for (const f of files) {
    const all = f.bytes.toString('latin1').toLowerCase();
    for (const v of n.everywhere) if (all.includes(v)) found.push(`${f.name}: ${v}`);
    const text = textPart(f.name, f.bytes);
    if (text === null) continue;
    const t = text.toString('latin1').toLowerCase();
    for (const { t: v, re } of tokens) if (re.test(t)) found.push(`${f.name}: token ${v}`);
  }
  return found;
}

function walk(root: string): Scanned[] {
  const out: Scanned[] = [];
  const go = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) go(p);
      else out.push({ name: path.relative(root, p), bytes: fs.readFileSync(p) });
    }
  };
  go(root);
  return out;
}

/** PNG chunk types of a file: pixels (IHDR, IDAT, IEND, and colour chunks) and nothing that carries text. */
function pngChunks(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let at = 8; at + 8 <= bytes.length;) {
    const len = bytes.readUInt32BE(at);
    types.push(bytes.toString('latin1', at + 4, at + 8));
    at += 12 + len;
  }
  return types;
}

describe('byte scan of exported bundles (sample MIMIC-CXR through the real CLI)', () => {
  const project = path.join(work, 'project');
  const dicomBundle = path.join(work, 'bundle-dicom');
  const pngBundle = path.join(work, 'bundle-png.zip');
  let needles: Needles;

  beforeAll(() => {
    const run = (args: string[]) => {
      const r = medprep(args);
      expect(r.code, `medprep ${args[0]}: ${r.stderr}`).toBe(0);
    };
    run(['init', project]);
    // A fixed key: keyed date shifts (and so this test) are the same on every run. With a random key the export
    // fails now and then, correctly by its own rule: a shifted date can land on another included patient's
    // original study or birth date, which the leak gate (one matcher over all included patients) refuses.
    fs.writeFileSync(path.join(project, 'secret.key'), SECRET + '\n', { mode: 0o600 });
    run(['import', project, sampleMimic, '--format', 'mimic-cxr']);
    run(['deid', project]);
    run(['sft', project]);
    run(['export', project, dicomBundle, '--images', 'dicom']);
    run(['export', project, pngBundle, '--images', 'png', '--archive', 'zip']);
    needles = needlesFor(project);
  });

  it('collects the identifiers to look for', () => {
    expect(needles.everywhere.size).toBeGreaterThan(100);
    for (const v of ['doe^jane', 'jane doe', 'doe, jane', '1957-03-02', '03/02/1957', 'mrn-fake-0001', 'ctn'])
      expect(needles.everywhere.has(v) || needles.tokens.has(v), v).toBe(true);
    // From the imported headers and rows: UIDs, the MIMIC subject id, a dicom_id.
    expect([...needles.everywhere].filter((v) => v.startsWith('2.25.')).length).toBeGreaterThan(20);
    expect(needles.everywhere.has('12286358')).toBe(true);
    expect(needles.everywhere.has('55170941-1ea56cbe-3c70e9f3-90eab697-f3be0bdd')).toBe(true);
  });

  it('the DICOM bundle: no identifier in any byte of any file', () => {
    const files = walk(dicomBundle);
    expect(files.filter((f) => f.name.endsWith('.dcm')).length).toBeGreaterThan(5);
    expect(hits(files, needles)).toEqual([]);
  });

  it('the PNG bundle (zip): none in the archive bytes nor in any member, and the PNGs carry only pixels', () => {
    const zip = fs.readFileSync(pngBundle);
    const members = bundleEntries(pngBundle).map((e) => ({ name: e.name, bytes: e.data }));
    const pngs = members.filter((m) => m.name.endsWith('.png'));
    expect(pngs.length).toBeGreaterThan(5);
    expect(members.some((m) => m.name === 'metadata.jsonl')).toBe(true);
    const allowed = new Set(['IHDR', 'IDAT', 'IEND', 'PLTE', 'gAMA', 'cHRM', 'sRGB', 'pHYs', 'sBIT', 'bKGD']);
    for (const p of pngs)
      expect(
        pngChunks(p.bytes).filter((t) => !allowed.has(t)),
        p.name,
      ).toEqual([]);
    expect(hits([{ name: path.basename(pngBundle), bytes: zip }, ...members], needles)).toEqual([]);
  });

  it('the scan finds an identifier that is there (the scanner is not blind)', () => {
    const planted = Buffer.from('{"text": "seen by Jane DOE on 1957-03-02"}\n');
    const pixels = Buffer.concat([Buffer.alloc(32), Buffer.from('TESTPATIENT^ALPHA'), Buffer.alloc(32)]);
    expect(hits([{ name: 'x.json', bytes: planted }], needles)).toEqual(
      expect.arrayContaining(['x.json: jane doe', 'x.json: 1957-03-02', 'x.json: token jane']),
    );
    expect(hits([{ name: 'i.png', bytes: pixels }], needles)).toContain('i.png: testpatient^alpha');
  });
});
