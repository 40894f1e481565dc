/**
 * PADCHEST: one CSV (written by pandas with its index, so the header starts with an empty name) and 16-bit
 * PNGs under `<ImageDir>/<ImageID>`. The CSV is streamed row by row; each row is an image item carrying its
 * study's context (patient `padchest:<PatientID>`, study `padchest:<StudyID>`, labels, the report).
 *
 * Kept per row: sex and birth year on the patient; the study date; Projection as the view (L becomes LATERAL,
 * the other values are kept as written); the `*_DICOM` columns as the image's header under their DICOM
 * keywords; Projection, MethodProjection, the pediatric flag, MethodLabel, ReportID and the CUI lists in
 * images.meta. Labels become source 'padchest' (value 1 each) and localizations 'padchest-localization'. The
 * report is stemmed, tokenised Spanish: stored as given with language 'es' and flagged stemmed, never sectioned.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../errors.ts';
import { readCsvFile } from '../csv.ts';
import { ReprError, reprStrings } from '../py-repr.ts';
import { walkFiles } from '../walk.ts';
import type { ImportItem, Layout, MetaValue, SideFile, StudyContext } from './types.ts';
import { dicomDate, parseYear } from './values.ts';

export const PADCHEST_PREFIX = 'padchest';
export const PADCHEST_CSV = /^PADCHEST.*\.csv(\.gz)?$/i;

/** `*_DICOM` columns and the DICOM keyword each one carries. */
const DICOM_COLUMNS: Record<string, string> = {
  StudyDate_DICOM: 'StudyDate',
  PatientSex_DICOM: 'PatientSex',
  ViewPosition_DICOM: 'ViewPosition',
  Modality_DICOM: 'Modality',
  Manufacturer_DICOM: 'Manufacturer',
  PhotometricInterpretation_DICOM: 'PhotometricInterpretation',
  PixelRepresentation_DICOM: 'PixelRepresentation',
  PixelAspectRatio_DICOM: 'PixelAspectRatio',
  SpatialResolution_DICOM: 'SpatialResolution',
  BitsStored_DICOM: 'BitsStored',
  WindowCenter_DICOM: 'WindowCenter',
  WindowWidth_DICOM: 'WindowWidth',
  Rows_DICOM: 'Rows',
  Columns_DICOM: 'Columns',
  XRayTubeCurrent_DICOM: 'XRayTubeCurrent',
  Exposure_DICOM: 'Exposure',
  ExposureInuAs_DICOM: 'ExposureInuAs',
  RelativeXRayExposure_DICOM: 'RelativeXRayExposure',
};

const VIEW: Record<string, string> = { PA: 'PA', AP: 'AP', L: 'LATERAL' };

export function findPadchestCsv(source: string): string | null {
  const names = fs.readdirSync(source).sort();
  return names.find((n) => PADCHEST_CSV.test(n)) ?? null;
}

export async function padchestLayout(
  source: string,
  csvName: string,
  skipDir: string | null,
): Promise<Layout> {
  const st = await fs.promises.stat(path.join(source, csvName));
  const side: SideFile = { rel: csvName, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) };
  return { sideFiles: [side], items: (signal) => padchestItems(source, csvName, skipDir, signal) };
}

async function* padchestItems(
  source: string,
  csvName: string,
  skipDir: string | null,
  signal: AbortSignal,
): AsyncGenerator<ImportItem> {
  const listed = new Set<string>([csvName]);
  let line = 1;
  for await (const { header, row, get } of readCsvFile(path.join(source, csvName))) {
    line++;
    if (signal.aborted) return;
    for (const c of ['ImageID', 'ImageDir', 'StudyID', 'PatientID'])
      if (!header.includes(c)) throw new ApiError('bad-request', `the PADCHEST CSV has no ${c} column`);
    const imageId = get('ImageID').trim();
    const dir = get('ImageDir').trim().replace(/\.0+$/, '');
    const rel = dir ? `${dir}/${imageId}` : imageId;
    const where = `CSV line ${line}`;
    if (!imageId || !safeRel(rel)) {
      yield {
        kind: 'error',
        rel: `${csvName}#line-${line}`,
        size: -1,
        mtimeMs: -1,
        reason: `${where}: bad ImageDir/ImageID`,
      };
      continue;
    }
    if (listed.has(rel)) continue; // a repeated row adds nothing
    listed.add(rel);
    if (row.length !== header.length) {
      yield {
        kind: 'error',
        rel,
        size: -1,
        mtimeMs: -1,
        reason: `${where} has ${row.length} fields, expected ${header.length}`,
      };
      continue;
    }
    let study: StudyContext;
    let lists: Record<string, string[]>;
    try {
      lists = {
        labels: reprStrings(get('Labels')),
        localizations: reprStrings(get('Localizations')),
        labelCUIS: reprStrings(get('labelCUIS')),
        localizationsCUIS: reprStrings(get('LocalizationsCUIS')),
      };
      study = studyContext(get, csvName, lists);
    } catch (err) {
      if (!(err instanceof ReprError)) throw err;
      yield {
        kind: 'error',
        rel,
        size: -1,
        mtimeMs: -1,
        reason: `${where}: a list column cannot be read (${err.message})`,
      };
      continue;
    }
    const abs = path.join(source, rel);
    let st: fs.Stats | null;
    try {
      st = await fs.promises.stat(abs);
    } catch {
      st = null;
    }
    if (!st?.isFile()) {
      yield {
        kind: 'error',
        rel,
        size: -1,
        mtimeMs: -1,
        reason: `listed in the CSV (line ${line}) but missing`,
        study,
      };
      continue;
    }
    const header16: Record<string, string> = {};
    for (const [column, keyword] of Object.entries(DICOM_COLUMNS)) {
      const v = get(column).trim();
      if (v) header16[keyword] = v;
    }
    const projection = get('Projection').trim();
    const pediatric = get('Pediatric').trim();
    const meta: Record<string, MetaValue> = {
      ImageID: imageId,
      ImageDir: dir,
      Projection: projection || null,
      MethodProjection: get('MethodProjection').trim() || null,
      pediatric: pediatric === 'PED' ? true : pediatric === 'No' ? false : null,
      MethodLabel: get('MethodLabel').trim() || null,
      ReportID: get('ReportID').trim() || null,
      labelCUIS: lists.labelCUIS!,
      LocalizationsCUIS: lists.localizationsCUIS!,
    };
    yield {
      kind: 'file',
      task: 'raster',
      rel,
      abs,
      size: st.size,
      mtimeMs: Math.trunc(st.mtimeMs),
      study,
      image: {
        seriesKey: `${PADCHEST_PREFIX}:image:${imageId}`,
        sopKey: `${PADCHEST_PREFIX}:${imageId}`,
        viewPosition: VIEW[projection] ?? (projection || null),
        modality: get('Modality_DICOM').trim() || null,
        header: header16,
        meta,
      },
    };
  }
  // Files in the tree that the CSV does not list are recorded, not imported: they have no labels or study.
  for await (const entry of walkFiles(source)) {
    if (signal.aborted) return;
    if (entry.kind === 'unreadable') {
      yield { kind: 'error', rel: entry.rel, size: -1, mtimeMs: -1, reason: entry.reason };
      continue;
    }
    if (listed.has(entry.rel) || (skipDir && entry.abs.startsWith(skipDir))) continue;
    yield {
      kind: 'skip',
      rel: entry.rel,
      size: entry.size,
      mtimeMs: entry.mtimeMs,
      reason: entry.kind === 'skipped' ? entry.reason : 'not listed in the PADCHEST CSV',
    };
  }
}

function studyContext(
  get: (c: string) => string,
  csvName: string,
  lists: Record<string, string[]>,
): StudyContext {
  const patient = get('PatientID').trim();
  const studyId = get('StudyID').trim();
  if (!patient || !studyId) throw new ReprError('no PatientID or StudyID');
  const sex = get('PatientSex_DICOM').trim();
  const ctx: StudyContext = {
    patientKey: `${PADCHEST_PREFIX}:${patient}`,
    studyKey: `${PADCHEST_PREFIX}:${studyId}`,
    sex: sex || null,
    birthYear: parseYear(get('PatientBirth')),
    studyDate: dicomDate(get('StudyDate_DICOM')),
    labels: [
      { source: 'padchest', values: lists.labels!.map((l) => [l, 1]) },
      { source: 'padchest-localization', values: lists.localizations!.map((l) => [l, 1]) },
    ],
  };
  const report = get('Report').trim();
  if (report) ctx.report = { text: report, sections: null, language: 'es', stemmed: true, fileRel: csvName };
  return ctx;
}

function safeRel(rel: string): boolean {
  return !path.isAbsolute(rel) && !rel.split(/[\\/]/).some((p) => p === '..' || p === '');
}
