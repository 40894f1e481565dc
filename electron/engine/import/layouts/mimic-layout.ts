/**
 * MIMIC-CXR (DICOM) and MIMIC-CXR-JPG: `files/pXX/pSUBJECT/sSTUDY/<dicom_id>.dcm|.jpg`, the study's report
 * `files/pXX/pSUBJECT/sSTUDY.txt` beside the study folder, and the CSVs at the top when present.
 *
 * The folder structure is the truth for who and which study: patient `mimic-cxr:<subject_id>`, study
 * `mimic-cxr:<study_id>` (both releases share the namespace on purpose: they are the same subjects and studies,
 * so a patient-level split stays one patient). The CSVs are read once into compact maps keyed by id; a CSV
 * that lists an image under another study or a study under another subject makes that file an error instead
 * of a silently mislabeled sample.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCsvFile } from '../csv.ts';
import { RASTER_EXTENSIONS } from '../process-raster-file.ts';
import { walkFiles } from '../walk.ts';
import { walkItem } from './dicom-layout.ts';
import type { ImageContext, ImportItem, Layout, MetaValue, SideFile, StudyContext } from './types.ts';
import { Interner, dicomDate, dicomTime, normaliseSplit, parseLabelValue } from './values.ts';

export const MIMIC_PREFIX = 'mimic-cxr';

type CsvRole = 'record-list' | 'study-list' | 'metadata' | 'split' | 'chexpert' | 'negbio';

const CSV_ROLES: [RegExp, CsvRole][] = [
  [/record-list\.csv(\.gz)?$/i, 'record-list'],
  [/study-list\.csv(\.gz)?$/i, 'study-list'],
  [/metadata\.csv(\.gz)?$/i, 'metadata'],
  [/split\.csv(\.gz)?$/i, 'split'],
  [/chexpert\.csv(\.gz)?$/i, 'chexpert'],
  [/negbio\.csv(\.gz)?$/i, 'negbio'],
];

const IMAGE_PATH = /^files\/p(\d\d)\/p(\d+)\/s(\d+)\/([^/]+)$/;
const REPORT_PATH = /^files\/p(\d\d)\/p(\d+)\/s(\d+)\.txt$/;

interface DicomMeta {
  view: string;
  procedure: string;
  viewCode: string;
  orientation: string;
}

interface Labeler {
  source: string;
  names: string[];
  /** study_id → one value per name: 1, 0, -1, or 2 for blank (not mentioned). */
  values: Map<number, Int8Array>;
}

class MimicTables {
  readonly interner = new Interner();
  /** study_id → subject_id, from every CSV that has both. */
  readonly studySubject = new Map<number, number>();
  /** dicom_id → study_id, from the record list and the metadata. */
  readonly dicomStudy = new Map<string, number>();
  readonly dicomMeta = new Map<string, DicomMeta>();
  readonly studyDate = new Map<number, [date: string | null, time: string | null]>();
  split: Map<number, string> | null = null;
  readonly labelers: Labeler[] = [];
  /** Inconsistencies between the CSVs themselves, by study: such a study's files become errors. */
  readonly conflicts = new Map<number, string>();

  noteSubject(study: number, subject: number, csv: string): void {
    const prev = this.studySubject.get(study);
    if (prev === undefined) this.studySubject.set(study, subject);
    else if (prev !== subject) this.conflicts.set(study, `${csv} lists study s${study} under two subjects`);
  }

  noteDicom(dicomId: string, study: number, csv: string): void {
    const prev = this.dicomStudy.get(dicomId);
    if (prev === undefined) this.dicomStudy.set(dicomId, study);
    else if (prev !== study) this.conflicts.set(study, `${csv} lists image ${dicomId} under two studies`);
  }
}

export async function mimicLayout(source: string, skipDir: string | null): Promise<Layout> {
  const tables = new MimicTables();
  const sideFiles: SideFile[] = [];
  const names = (await fs.promises.readdir(source)).sort();
  for (const name of names) {
    const role = CSV_ROLES.find(([re]) => re.test(name))?.[1];
    if (!role) continue;
    const abs = path.join(source, name);
    const st = await fs.promises.stat(abs);
    if (!st.isFile()) continue;
    const side: SideFile = { rel: name, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) };
    try {
      await loadCsv(tables, role, abs, name);
    } catch (err) {
      side.error = `cannot be read as the MIMIC-CXR ${role} CSV (${err instanceof Error ? err.message : String(err)}); not used`;
    }
    sideFiles.push(side);
  }
  const sideNames = new Set(sideFiles.map((s) => s.rel));
  return {
    sideFiles,
    items: (signal) => mimicItems(source, skipDir, tables, sideNames, signal),
  };
}

async function loadCsv(t: MimicTables, role: CsvRole, abs: string, name: string): Promise<void> {
  const id = (v: string, column: string): number => {
    const n = Number(v.trim());
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`bad ${column} "${v.slice(0, 20)}"`);
    return n;
  };
  // Everything is parsed into local maps first, so a CSV that fails half-way contributes nothing.
  const subjects: [number, number][] = [];
  const dicoms: [string, number][] = [];
  const metas: [string, DicomMeta][] = [];
  const dates = new Map<number, [string | null, string | null]>();
  const split = new Map<number, string>();
  let labeler: Labeler | null = null;
  let line = 1;
  for await (const { header, row, get } of readCsvFile(abs)) {
    line++;
    const need = (cols: string[]) => {
      for (const c of cols) if (!header.includes(c)) throw new Error(`no ${c} column`);
    };
    if (row.length !== header.length)
      throw new Error(`line ${line} has ${row.length} fields, expected ${header.length}`);
    const study = () => id(get('study_id'), 'study_id');
    if (role === 'record-list' || role === 'study-list') {
      need(['subject_id', 'study_id']);
      subjects.push([study(), id(get('subject_id'), 'subject_id')]);
      if (role === 'record-list') dicoms.push([get('dicom_id').trim(), study()]);
    } else if (role === 'metadata') {
      need(['dicom_id', 'subject_id', 'study_id']);
      const s = study();
      subjects.push([s, id(get('subject_id'), 'subject_id')]);
      const dicomId = get('dicom_id').trim();
      dicoms.push([dicomId, s]);
      metas.push([
        dicomId,
        {
          view: t.interner.get(get('ViewPosition').trim()),
          procedure: t.interner.get(get('PerformedProcedureStepDescription').trim()),
          viewCode: t.interner.get(get('ViewCodeSequence_CodeMeaning').trim()),
          orientation: t.interner.get(get('PatientOrientationCodeSequence_CodeMeaning').trim()),
        },
      ]);
      // Study-level: the first row of a study decides, so the result never depends on processing order.
      if (!dates.has(s)) dates.set(s, [dicomDate(get('StudyDate')), dicomTime(get('StudyTime'))]);
    } else if (role === 'split') {
      need(['study_id', 'split']);
      const s = study();
      const v = normaliseSplit(get('split'));
      if (v) split.set(s, v);
      if (header.includes('subject_id')) subjects.push([s, id(get('subject_id'), 'subject_id')]);
    } else {
      need(['subject_id', 'study_id']);
      if (!labeler) {
        labeler = {
          source: role,
          names: header.filter((h) => h !== 'subject_id' && h !== 'study_id'),
          values: new Map(),
        };
      }
      const l = labeler;
      const vals = new Int8Array(l.names.length);
      l.names.forEach((n, i) => {
        const v = parseLabelValue(get(n));
        if (v === undefined)
          throw new Error(`line ${line}: ${n} is "${get(n).slice(0, 20)}", expected 1.0, 0.0, -1.0 or blank`);
        vals[i] = v === null ? 2 : v;
      });
      const s = study();
      subjects.push([s, id(get('subject_id'), 'subject_id')]);
      l.values.set(s, vals);
    }
  }
  for (const [s, subj] of subjects) t.noteSubject(s, subj, name);
  for (const [d, s] of dicoms) t.noteDicom(d, s, name);
  for (const [d, m] of metas) t.dicomMeta.set(d, m);
  for (const [s, v] of dates) if (!t.studyDate.has(s)) t.studyDate.set(s, v);
  if (role === 'split') t.split = split;
  if (labeler) t.labelers.push(labeler);
  else if (role === 'chexpert' || role === 'negbio')
    t.labelers.push({ source: role, names: [], values: new Map() });
}

async function* mimicItems(
  source: string,
  skipDir: string | null,
  t: MimicTables,
  sideNames: Set<string>,
  signal: AbortSignal,
): AsyncGenerator<ImportItem> {
  for await (const entry of walkFiles(source)) {
    if (signal.aborted) return;
    const plain = walkItem(entry, skipDir);
    if (!plain || plain.kind !== 'file') {
      if (plain) yield plain;
      continue;
    }
    if (sideNames.has(plain.rel)) continue;
    const { rel } = plain;
    const skip = (reason: string): ImportItem => ({
      kind: 'skip',
      rel,
      size: plain.size,
      mtimeMs: plain.mtimeMs,
      reason,
    });
    const error = (reason: string): ImportItem => ({
      kind: 'error',
      rel,
      size: plain.size,
      mtimeMs: plain.mtimeMs,
      reason,
    });

    const report = REPORT_PATH.exec(rel);
    const image = report ? null : IMAGE_PATH.exec(rel);
    const m = report ?? image;
    if (!m) {
      yield skip('not part of the MIMIC-CXR layout');
      continue;
    }
    const [, group, subjectText, studyText] = m as unknown as [string, string, string, string];
    const subject = Number(subjectText);
    const study = Number(studyText);
    if (!subjectText.startsWith(group!)) {
      yield error(`folder p${group} does not match subject p${subjectText}`);
      continue;
    }
    const listedSubject = t.studySubject.get(study);
    if (listedSubject !== undefined && listedSubject !== subject) {
      yield error(`study s${study} is under p${subject} but the CSVs list it under p${listedSubject}`);
      continue;
    }
    const conflict = t.conflicts.get(study);
    if (conflict) {
      yield error(conflict);
      continue;
    }
    const ctx = studyContext(t, subject, study);
    if (report) {
      yield { ...plain, task: 'report', study: ctx };
      continue;
    }
    const file = image![4]!;
    const ext = path.posix.extname(file).toLowerCase();
    const dicomId = ext ? file.slice(0, -ext.length) : file;
    const raster = RASTER_EXTENSIONS.has(ext);
    if (!raster && ext !== '.dcm') {
      yield skip('not an image of the MIMIC-CXR layout');
      continue;
    }
    const listedStudy = t.dicomStudy.get(dicomId);
    if (listedStudy !== undefined && listedStudy !== study) {
      yield error(`image ${dicomId} is in study s${study} but the CSVs list it in s${listedStudy}`);
      continue;
    }
    yield {
      ...plain,
      task: raster ? 'raster' : 'dicom',
      study: ctx,
      image: imageContext(t, study, dicomId, raster),
    };
  }
}

function studyContext(t: MimicTables, subject: number, study: number): StudyContext {
  const date = t.studyDate.get(study);
  const ctx: StudyContext = {
    patientKey: `${MIMIC_PREFIX}:${subject}`,
    studyKey: `${MIMIC_PREFIX}:${study}`,
    studyDate: date?.[0] ?? null,
    studyTime: date?.[1] ?? null,
    labels: t.labelers.map((l) => {
      const vals = l.values.get(study);
      return {
        source: l.source,
        values: vals
          ? l.names.map((n, i): [string, 1 | 0 | -1 | null] => [
              n,
              vals[i] === 2 ? null : (vals[i] as 1 | 0 | -1),
            ])
          : [],
      };
    }),
  };
  if (t.split) ctx.split = t.split.get(study) ?? null;
  return ctx;
}

function imageContext(t: MimicTables, study: number, dicomId: string, raster: boolean): ImageContext {
  const m = t.dicomMeta.get(dicomId);
  const meta: Record<string, MetaValue> = { dicom_id: dicomId };
  if (m) {
    if (m.procedure) meta.PerformedProcedureStepDescription = m.procedure;
    if (m.viewCode) meta.ViewCodeSequence_CodeMeaning = m.viewCode;
    if (m.orientation) meta.PatientOrientationCodeSequence_CodeMeaning = m.orientation;
  }
  const ctx: ImageContext = { viewPosition: m?.view || m?.viewCode || null, meta };
  if (raster) {
    // A JPG has no DICOM series; one per image, keyed apart from any DICOM series UID.
    ctx.seriesKey = `${MIMIC_PREFIX}-jpg:${study}:${dicomId}`;
    ctx.sopKey = dicomId;
    ctx.modality = null;
  }
  return ctx;
}
