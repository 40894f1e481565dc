/**
 * A manifest: CSV or JSONL (plain or gzipped), one image per row. Columns (case-insensitive):
 *   path | image | image_path | file   the image, relative to the manifest's folder or absolute (required)
 *   report | report_text | text        the report, sectioned like MIMIC reports
 *   patient_id | patient | subject_id  → patient `manifest:<id>`
 *   study_id | study                   → study `manifest:<id>`
 *   split                              train / validate (val, valid, validation, dev) / test
 *   labels                             a JSON object {name: 1 | 0 | -1 | null}, or `label_<name>` columns
 *   view | view_position, language, sex
 *   identity columns (never exported; they become identifiers that patient's reports are scrubbed of):
 *   patient_name | name, mrn | medical_record_number | other_patient_ids, birth_date | dob | date_of_birth,
 *   accession | accession_number, referring_physician | physician
 * Images may be DICOM, PNG or JPEG (told apart by their first bytes). Without a patient or study id a DICOM
 * image keeps the ids in its header, as in a DICOM folder. Rows are streamed; an image listed twice is read once.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { sectionReport } from '../../reports/index.ts';
import { csvHeaderSync, openText, readCsvFile } from '../csv.ts';
import type { ImageContext, ImportItem, LabelValue, Layout, StudyContext } from './types.ts';
import { normaliseSplit, parseLabelValue } from './values.ts';

export const MANIFEST_PREFIX = 'manifest';
const PATH_COLUMNS = ['path', 'image', 'image_path', 'file'];
const REPORT_COLUMNS = ['report', 'report_text', 'text'];
const PATIENT_COLUMNS = ['patient_id', 'patient', 'subject_id'];
const STUDY_COLUMNS = ['study_id', 'study'];
const VIEW_COLUMNS = ['view', 'view_position'];
/** Identity columns by the DICOM keyword they are stored under, where the header matcher looks for them. */
const IDENTITY_COLUMNS: Record<string, readonly string[]> = {
  PatientName: ['patient_name', 'name'],
  OtherPatientIDs: ['mrn', 'medical_record_number', 'other_patient_ids'],
  PatientBirthDate: ['birth_date', 'dob', 'date_of_birth'],
  AccessionNumber: ['accession', 'accession_number'],
  ReferringPhysicianName: ['referring_physician', 'physician'],
};

type Row = Record<string, unknown>;

/** Whether a file looks like a manifest: JSONL, or a CSV whose header has an image path column. */
export function isManifest(file: string): boolean {
  const name = path.basename(file).toLowerCase();
  if (/\.jsonl(\.gz)?$/.test(name)) return true;
  if (!/\.csv(\.gz)?$/.test(name)) return false;
  try {
    const header = csvHeaderSync(file);
    return !!header?.some((h) => PATH_COLUMNS.includes(h.toLowerCase()));
  } catch {
    return false;
  }
}

/** The manifest inside a folder: `manifest.*` first, else the only top-level file that looks like one. */
export function findManifest(dir: string): string | null {
  const names = fs.readdirSync(dir).sort();
  const candidates = names.filter((n) => isManifest(path.join(dir, n)));
  return (
    candidates.find((n) => n.toLowerCase().startsWith('manifest')) ??
    (candidates.length === 1 ? candidates[0]! : null)
  );
}

/** `manifestFile` is absolute; the files' paths are relative to its folder (absolute when outside it). */
export async function manifestLayout(manifestFile: string): Promise<Layout> {
  const st = await fs.promises.stat(manifestFile);
  const base = path.dirname(manifestFile);
  const rel = path.basename(manifestFile);
  return {
    sideFiles: [{ rel, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) }],
    items: (signal) => manifestItems(manifestFile, base, rel, signal),
  };
}

/** The manifest's rows with their line numbers (the header is line 1 of a CSV). */
async function* rows(file: string): AsyncGenerator<{ row: Row; line: number }> {
  if (/\.jsonl(\.gz)?$/i.test(file)) {
    const lines = readline.createInterface({ input: Readable.from(openText(file)), crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        yield { row: { __error: `line ${n} is not JSON` }, line: n };
        continue;
      }
      const ok = v && typeof v === 'object' && !Array.isArray(v);
      yield { row: ok ? (v as Row) : { __error: `line ${n} is not an object` }, line: n };
    }
    return;
  }
  let n = 1;
  for await (const { header, row } of readCsvFile(file)) {
    const r: Row = {};
    header.forEach((h, i) => (r[h] = row[i] ?? ''));
    yield { row: r, line: ++n };
  }
}

async function* manifestItems(
  file: string,
  base: string,
  manifestRel: string,
  signal: AbortSignal,
): AsyncGenerator<ImportItem> {
  const seen = new Set<string>();
  for await (const { row: raw, line } of rows(file)) {
    if (signal.aborted) return;
    const where = `manifest line ${line}`;
    const bad = (reason: string): ImportItem => ({
      kind: 'error',
      rel: `${manifestRel}#line-${line}`,
      size: -1,
      mtimeMs: -1,
      reason,
    });
    if (typeof raw.__error === 'string') {
      yield bad(raw.__error);
      continue;
    }
    const row = lowerKeys(raw);
    const imagePath = text(pick(row, PATH_COLUMNS));
    if (!imagePath) {
      yield bad(`${where} has no image path`);
      continue;
    }
    const abs = path.resolve(base, imagePath);
    const inside = path.relative(base, abs);
    const rel = inside.startsWith('..') || path.isAbsolute(inside) ? abs : inside.split(path.sep).join('/');
    if (seen.has(rel)) continue;
    seen.add(rel);
    let study: StudyContext | undefined;
    try {
      study = studyContext(row, rel, manifestRel);
    } catch (err) {
      yield { kind: 'error', rel, size: -1, mtimeMs: -1, reason: `${where}: ${(err as Error).message}` };
      continue;
    }
    let st: fs.Stats | null;
    try {
      st = await fs.promises.stat(abs);
    } catch {
      st = null;
    }
    if (!st?.isFile()) {
      const missing: ImportItem = {
        kind: 'error',
        rel,
        size: -1,
        mtimeMs: -1,
        reason: `listed in the manifest (line ${line}) but missing`,
      };
      if (study) missing.study = study;
      yield missing;
      continue;
    }
    const image: ImageContext = {};
    const view = text(pick(row, VIEW_COLUMNS));
    if (view) image.viewPosition = view.toUpperCase();
    const identity = identityHeader(row);
    if (identity) image.header = identity;
    const item: ImportItem = {
      kind: 'file',
      task: 'image',
      rel,
      abs,
      size: st.size,
      mtimeMs: Math.trunc(st.mtimeMs),
      image,
    };
    if (study) item.study = study;
    yield item;
  }
}

function studyContext(row: Row, rel: string, manifestRel: string): StudyContext | undefined {
  const patient = text(pick(row, PATIENT_COLUMNS));
  const studyId = text(pick(row, STUDY_COLUMNS));
  const report = text(pick(row, REPORT_COLUMNS));
  const labels = readLabels(row);
  const split = text(row.split);
  const sex = text(row.sex);
  // Without ids or anything to say about the study, a DICOM image keeps the ids in its own header.
  const anyLabel = labels.some(([, v]) => v !== null);
  if (!patient && !studyId && !report && !anyLabel && !split) return undefined;
  const studyKey = studyId ? `${MANIFEST_PREFIX}:${studyId}` : `${MANIFEST_PREFIX}:image:${rel}`;
  const ctx: StudyContext = {
    patientKey: patient ? `${MANIFEST_PREFIX}:${patient}` : `${MANIFEST_PREFIX}:patient-of:${studyKey}`,
    studyKey,
    labels: [{ source: MANIFEST_PREFIX, values: labels }],
  };
  if (sex) ctx.sex = sex.toUpperCase();
  if (split) ctx.split = normaliseSplit(split);
  if (report) {
    const language = text(row.language);
    ctx.report = {
      text: report,
      sections: sectionReport(report),
      language: language || null,
      stemmed: false,
      fileRel: manifestRel,
    };
  }
  return ctx;
}

/** The row's identity columns as header values; a birth date in any common form becomes YYYYMMDD. */
function identityHeader(row: Row): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [keyword, columns] of Object.entries(IDENTITY_COLUMNS)) {
    const v = text(pick(row, columns));
    if (v) out[keyword] = keyword === 'PatientBirthDate' ? dicomDate(v) : v;
  }
  return Object.keys(out).length > 0 ? out : null;
}

function dicomDate(v: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(v.trim());
  return m ? `${m[1]}${m[2]}${m[3]}` : v;
}

function readLabels(row: Row): [string, LabelValue][] {
  const out = new Map<string, LabelValue>();
  const add = (name: string, v: unknown) => {
    const value = parseLabelValue(v);
    if (value === undefined)
      throw new Error(`label "${name}" is ${JSON.stringify(v)}; expected 1, 0, -1 or blank`);
    const n = name.trim();
    if (n) out.set(n, value);
  };
  let obj = row.labels;
  if (typeof obj === 'string' && obj.trim()) {
    try {
      obj = JSON.parse(obj);
    } catch {
      throw new Error('the labels column is not a JSON object');
    }
  }
  if (obj && typeof obj === 'object' && !Array.isArray(obj))
    for (const [k, v] of Object.entries(obj)) add(k, v);
  else if (obj !== undefined && obj !== null && obj !== '')
    throw new Error('the labels column is not a JSON object');
  for (const [k, v] of Object.entries(row)) if (k.startsWith('label_')) add(k.slice('label_'.length), v);
  return [...out];
}

function lowerKeys(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    const key = k.trim().toLowerCase();
    // `label_<name>` keeps the name's case; only the prefix is matched without case.
    out[key.startsWith('label_') ? `label_${k.trim().slice('label_'.length)}` : key] = v;
  }
  return out;
}

function pick(row: Row, names: readonly string[]): unknown {
  for (const n of names) if (row[n] !== undefined && row[n] !== '' && row[n] !== null) return row[n];
  return undefined;
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '').trim();
}
