import type { Db } from '../project/database.ts';
import type { TaskResult } from './import-worker.ts';
import type { ImageContext, ReportRecord, StudyContext } from './layouts/types.ts';
import type { ProcessedImage } from './process-dicom-file.ts';
import type { ProcessedReport } from './process-report-file.ts';

export interface FileOutcome {
  rel: string;
  size: number;
  mtimeMs: number;
  result: TaskResult;
  study?: StudyContext;
  image?: ImageContext;
}

/** A batch entry: a file's outcome, or a study whose layout records must be (re)applied without its file. */
export type BatchEntry = ({ kind: 'outcome' } & FileOutcome) | { kind: 'touch'; study: StudyContext };

/**
 * Writes finished files in one transaction per batch: a file's row, its image or report rows and its study's
 * records (labels, split, a CSV-borne report) land together or not at all, so a kill between batches leaves
 * nothing half-imported, and re-running rewrites a changed file's rows instead of adding duplicates.
 */
export class ResultWriter {
  private readonly db: Db;
  private readonly sourceId: number;
  private readonly jobId: string;
  private readonly stmts;
  /** `${studyId}|${source}` whose stored labels this run has already replaced. */
  private readonly replaced = new Set<string>();
  private readonly sideIds = new Map<string, number>();

  constructor(db: Db, sourceId: number, jobId: string) {
    this.db = db;
    this.sourceId = sourceId;
    this.jobId = jobId;
    this.stmts = {
      patient: db.prepare(
        `INSERT INTO patients (patient_key, sex, birth_date, birth_year) VALUES (?, ?, ?, ?)
         ON CONFLICT (patient_key) DO UPDATE SET sex = coalesce(patients.sex, excluded.sex),
           birth_date = coalesce(patients.birth_date, excluded.birth_date),
           birth_year = coalesce(patients.birth_year, excluded.birth_year)
         RETURNING id`,
      ),
      study: db.prepare(
        `INSERT INTO studies (patient_id, study_uid, study_date, study_time, accession, description)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (study_uid) DO UPDATE SET study_date = coalesce(studies.study_date, excluded.study_date),
           study_time = coalesce(studies.study_time, excluded.study_time)
         RETURNING id, patient_id`,
      ),
      fillPatient: db.prepare(
        `UPDATE patients SET sex = coalesce(sex, ?), birth_date = coalesce(birth_date, ?), name = coalesce(name, ?)
         WHERE patient_key = ? RETURNING id, sex, birth_date, name`,
      ),
      dicomPatient: db.prepare(
        `INSERT INTO patients (patient_key, sex, birth_date, name) VALUES (?, ?, ?, ?)
         ON CONFLICT (patient_key) DO UPDATE SET sex = coalesce(patients.sex, excluded.sex),
           birth_date = coalesce(patients.birth_date, excluded.birth_date), name = coalesce(patients.name, excluded.name)
         RETURNING id, sex, birth_date, name`,
      ),
      conflict: db.prepare(
        `INSERT INTO patient_conflicts (patient_id, field, file_id, value) VALUES (?, ?, ?, ?)
         ON CONFLICT (patient_id, field, file_id) DO UPDATE SET value = excluded.value`,
      ),
      clearConflicts: db.prepare('DELETE FROM patient_conflicts WHERE file_id = ?'),
      fillStudy: db.prepare(
        `UPDATE studies SET study_date = coalesce(study_date, ?), study_time = coalesce(study_time, ?),
           accession = coalesce(accession, ?), description = coalesce(description, ?) WHERE id = ?`,
      ),
      split: db.prepare('UPDATE studies SET official_split = ? WHERE id = ?'),
      clearLabels: db.prepare('DELETE FROM labels WHERE study_id = ? AND source = ?'),
      label: db.prepare(
        `INSERT INTO labels (study_id, source, name, value) VALUES (?, ?, ?, ?)
         ON CONFLICT (study_id, source, name) DO UPDATE SET value = excluded.value`,
      ),
      report: db.prepare(
        `INSERT INTO reports (study_id, file_id, raw_text, sections, language, stemmed) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (study_id, file_id) DO UPDATE SET raw_text = excluded.raw_text, sections = excluded.sections,
           language = excluded.language, stemmed = excluded.stemmed`,
      ),
      clearReports: db.prepare('DELETE FROM reports WHERE file_id = ?'),
      series: db.prepare(
        `INSERT INTO series (study_id, series_uid, modality, series_number) VALUES (?, ?, ?, ?)
         ON CONFLICT (series_uid) DO UPDATE SET modality = coalesce(series.modality, excluded.modality)
         RETURNING id`,
      ),
      file: db.prepare(
        `INSERT INTO files (source_id, rel_path, size, mtime_ms, status, reason, job_id) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (source_id, rel_path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms,
           status = excluded.status, reason = excluded.reason, job_id = excluded.job_id
         RETURNING id`,
      ),
      sideFile: db.prepare('SELECT id FROM files WHERE source_id = ? AND rel_path = ?'),
      clearImages: db.prepare('DELETE FROM images WHERE file_id = ?'),
      image: db.prepare(
        `INSERT INTO images (file_id, series_id, frame, sop_uid, sop_class_uid, instance_number, rows, columns,
           bits_allocated, bits_stored, samples_per_pixel, photometric, modality, body_part, view_position,
           transfer_syntax, pixel_hash, phash, window_center, window_width, window_source, thumbnail, header, meta)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /** Records a file that could not even be read (the walk found it unreadable). */
  recordUnreadable(rel: string, reason: string): void {
    this.stmts.file.get(this.sourceId, rel, -1, -1, 'error', reason, this.jobId);
  }

  /**
   * Opens a side file (a CSV the layout read) for this run. A new or changed one gets a row marked
   * incomplete (size -1) until `completeSideFile`, so a run killed before the end re-applies it.
   */
  openSideFile(rel: string, changed: boolean, error: string | undefined): number {
    if (!changed) {
      const row = this.stmts.sideFile.get(this.sourceId, rel) as { id: number } | undefined;
      if (row) {
        this.sideIds.set(rel, row.id);
        return row.id;
      }
    }
    const status = error ? 'error' : 'imported';
    const { id } = this.stmts.file.get(this.sourceId, rel, -1, -1, status, error ?? null, this.jobId) as {
      id: number;
    };
    this.sideIds.set(rel, id);
    return id;
  }

  completeSideFile(rel: string, size: number, mtimeMs: number, error: string | undefined): void {
    this.stmts.file.get(
      this.sourceId,
      rel,
      size,
      mtimeMs,
      error ? 'error' : 'imported',
      error ?? null,
      this.jobId,
    );
  }

  writeBatch(batch: BatchEntry[]): void {
    this.db.transaction(() => {
      for (const e of batch) {
        if (e.kind === 'touch') this.touchStudy(e.study);
        else this.writeOne(e);
      }
    })();
  }

  private writeOne(o: FileOutcome): void {
    let r = o.result;
    let studyId: number | null = null;
    if (o.study) {
      studyId = this.touchStudy(o.study);
      if (studyId === null)
        r = { kind: 'error', reason: `study ${o.study.studyKey} is already recorded under another patient` };
    }
    const status = r.kind === 'image' || r.kind === 'report' ? 'imported' : r.kind;
    const reason = r.kind === 'image' || r.kind === 'report' ? null : r.reason;
    const { id: fileId } = this.stmts.file.get(
      this.sourceId,
      o.rel,
      o.size,
      o.mtimeMs,
      status,
      reason,
      this.jobId,
    ) as {
      id: number;
    };
    this.stmts.clearImages.run(fileId);
    this.stmts.clearReports.run(fileId);
    this.stmts.clearConflicts.run(fileId);
    if (r.kind === 'image') this.writeImage(fileId, r, studyId, o);
    else if (r.kind === 'report' && studyId !== null) this.writeReport(fileId, studyId, r);
  }

  /**
   * Upserts the patient and study a layout names and applies the study's records. Returns null when the study
   * already belongs to another patient: the caller records the file as an error rather than mislink it.
   */
  private touchStudy(ctx: StudyContext): number | null {
    const { id: patientId } = this.stmts.patient.get(
      ctx.patientKey,
      ctx.sex ?? null,
      null,
      ctx.birthYear ?? null,
    ) as {
      id: number;
    };
    const study = this.stmts.study.get(
      patientId,
      ctx.studyKey,
      ctx.studyDate ?? null,
      ctx.studyTime ?? null,
      null,
      null,
    ) as {
      id: number;
      patient_id: number;
    };
    if (study.patient_id !== patientId) return null;
    if (ctx.split !== undefined) this.stmts.split.run(ctx.split, study.id);
    for (const set of ctx.labels ?? []) {
      const key = `${study.id}|${set.source}`;
      if (!this.replaced.has(key)) {
        this.stmts.clearLabels.run(study.id, set.source);
        this.replaced.add(key);
      }
      for (const [name, value] of set.values) this.stmts.label.run(study.id, set.source, name, value);
    }
    if (ctx.report) this.writeSideReport(study.id, ctx.report);
    return study.id;
  }

  private writeSideReport(studyId: number, rep: ReportRecord): void {
    const fileId = this.sideIds.get(rep.fileRel);
    if (fileId === undefined) throw new Error(`side file ${rep.fileRel} was not opened`);
    this.stmts.report.run(
      studyId,
      fileId,
      rep.text,
      JSON.stringify(rep.sections ?? {}),
      rep.language,
      rep.stemmed ? 1 : 0,
    );
  }

  private writeReport(fileId: number, studyId: number, r: ProcessedReport): void {
    this.stmts.report.run(studyId, fileId, r.text, JSON.stringify(r.sections), 'en', 0);
  }

  /** Records each demographic of the file that disagrees with what its patient was first seen with. */
  private noteConflicts(patient: PatientRow, r: ProcessedImage, fileId: number): void {
    const incoming: [IdentityField, string | null, string | null][] = [
      ['sex', r.patientSex, patient.sex],
      ['birth_date', r.patientBirthDate, patient.birth_date],
      ['name', nameOf(r), patient.name],
    ];
    for (const [field, value, stored] of incoming)
      if (value && stored && sameValue(field, value) !== sameValue(field, stored))
        this.stmts.conflict.run(patient.id, field, fileId, value);
  }

  private writeImage(fileId: number, r: ProcessedImage, studyId: number | null, o: FileOutcome): void {
    const ctx = o.image ?? {};
    let seriesKey: string;
    if (studyId === null) {
      const patient = this.stmts.dicomPatient.get(
        dicomPatientKey(r),
        r.patientSex,
        r.patientBirthDate,
        nameOf(r),
      ) as PatientRow;
      this.noteConflicts(patient, r, fileId);
      const patientId = patient.id;
      const study = this.stmts.study.get(
        patientId,
        r.studyInstanceUid,
        r.studyDate,
        r.studyTime,
        r.accessionNumber,
        r.studyDescription,
      ) as { id: number };
      studyId = study.id;
      seriesKey = ctx.seriesKey ?? r.seriesInstanceUid;
    } else {
      // The layout's study: the DICOM header fills what the layout left blank, never the other way round.
      const patient = this.stmts.fillPatient.get(
        r.patientSex,
        r.patientBirthDate,
        nameOf(r),
        o.study!.patientKey,
      ) as PatientRow | undefined;
      if (patient) this.noteConflicts(patient, r, fileId);
      this.stmts.fillStudy.run(r.studyDate, r.studyTime, r.accessionNumber, r.studyDescription, studyId);
      // Series keyed under the layout's study, so the same DICOM imported as two layouts never mixes studies.
      seriesKey = ctx.seriesKey ?? `${o.study!.studyKey}/${r.seriesInstanceUid}`;
    }
    const { id: seriesId } = this.stmts.series.get(
      studyId,
      seriesKey,
      r.modality ?? ctx.modality ?? null,
      r.seriesNumber,
    ) as {
      id: number;
    };
    const header = JSON.stringify(withLayoutHeader(r.header, ctx.header));
    const meta = JSON.stringify(ctx.meta ?? {});
    for (const f of r.frames) {
      this.stmts.image.run(
        fileId,
        seriesId,
        f.frame,
        ctx.sopKey ?? r.sopInstanceUid,
        r.sopClassUid,
        r.instanceNumber,
        f.rows,
        f.columns,
        f.bitsAllocated,
        f.bitsStored,
        f.samplesPerPixel,
        f.photometric,
        r.modality ?? ctx.modality ?? null,
        r.bodyPart,
        r.viewPosition ?? ctx.viewPosition ?? null,
        r.transferSyntax,
        f.pixelHash,
        f.phash ?? null,
        f.windowCenter,
        f.windowWidth,
        f.windowSource,
        f.thumbnail,
        header,
        meta,
      );
    }
  }
}

/**
 * The stored header: the file's own, with what the layout knows added (a raster image has only the layout's;
 * a manifest's identity columns join a DICOM header's values as further values, so both are known identifiers).
 */
function withLayoutHeader(
  own: Record<string, string>,
  layout: Record<string, string> | undefined,
): Record<string, string> {
  if (!layout) return own;
  const out = { ...own };
  for (const [k, v] of Object.entries(layout)) {
    const mine = out[k];
    out[k] = mine === undefined || mine === '' ? v : mine.split('\\').includes(v) ? mine : `${mine}\\${v}`;
  }
  return out;
}

type IdentityField = 'name' | 'sex' | 'birth_date';
interface PatientRow {
  id: number;
  sex: string | null;
  birth_date: string | null;
  name: string | null;
}

/**
 * A DICOM file's patient: its Patient ID, qualified by the Issuer of Patient ID when there is one (the same
 * number from two hospitals is two people); a file without an ID gets a patient of its own study.
 */
function dicomPatientKey(r: ProcessedImage): string {
  if (!r.patientId) return `missing-patient-id:${r.studyInstanceUid}`;
  const issuer = (r.header.IssuerOfPatientID ?? '').trim();
  return issuer ? `${issuer}:${r.patientId}` : r.patientId;
}

function nameOf(r: ProcessedImage): string | null {
  const name = (r.header.PatientName ?? '').trim();
  return name === '' ? null : name;
}

/** A value as compared across files: names without case, padding or empty trailing components. */
function sameValue(field: IdentityField, v: string): string {
  if (field !== 'name') return v.trim().toUpperCase();
  return v
    .toUpperCase()
    .split('=')
    .map((group) =>
      group
        .replace(/\s+/g, ' ')
        .replace(/[\^ ]+$/, '')
        .replace(/ *\^ */g, '^'),
    )
    .join('=')
    .replace(/=+$/, '');
}
