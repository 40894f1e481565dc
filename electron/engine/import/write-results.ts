import type { Db } from '../project/database.ts';
import type { ProcessedFile, ProcessedImage } from './process-dicom-file.ts';

export interface FileOutcome {
  rel: string;
  size: number;
  mtimeMs: number;
  result: ProcessedFile;
}

/**
 * Writes finished files in one transaction per batch: a file's row and its image rows land together or not
 * at all, so a kill between batches leaves nothing half-imported, and re-running rewrites a changed file's
 * rows instead of adding duplicates.
 */
export class ResultWriter {
  private readonly db: Db;
  private readonly sourceId: number;
  private readonly jobId: string;
  private readonly stmts;

  constructor(db: Db, sourceId: number, jobId: string) {
    this.db = db;
    this.sourceId = sourceId;
    this.jobId = jobId;
    this.stmts = {
      patient: db.prepare(
        `INSERT INTO patients (patient_key, sex, birth_date) VALUES (?, ?, ?)
         ON CONFLICT (patient_key) DO UPDATE SET sex = coalesce(patients.sex, excluded.sex),
           birth_date = coalesce(patients.birth_date, excluded.birth_date)
         RETURNING id`,
      ),
      study: db.prepare(
        `INSERT INTO studies (patient_id, study_uid, study_date, study_time, accession, description)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (study_uid) DO UPDATE SET study_date = coalesce(studies.study_date, excluded.study_date)
         RETURNING id`,
      ),
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
      clearImages: db.prepare('DELETE FROM images WHERE file_id = ?'),
      image: db.prepare(
        `INSERT INTO images (file_id, series_id, frame, sop_uid, sop_class_uid, instance_number, rows, columns,
           bits_allocated, bits_stored, samples_per_pixel, photometric, modality, body_part, view_position,
           transfer_syntax, pixel_hash, window_center, window_width, window_source, thumbnail, header)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /** Records a file that could not even be read (the walk found it unreadable). */
  recordUnreadable(rel: string, reason: string): void {
    this.stmts.file.get(this.sourceId, rel, -1, -1, 'error', reason, this.jobId);
  }

  writeBatch(batch: FileOutcome[]): void {
    this.db.transaction(() => {
      for (const o of batch) this.writeOne(o);
    })();
  }

  private writeOne(o: FileOutcome): void {
    const r = o.result;
    const status = r.kind === 'image' ? 'imported' : r.kind;
    const reason = r.kind === 'image' ? null : r.reason;
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
    if (r.kind === 'image') this.writeImage(fileId, r);
  }

  private writeImage(fileId: number, r: ProcessedImage): void {
    const patientKey = r.patientId || `missing-patient-id:${r.studyInstanceUid}`;
    const { id: patientId } = this.stmts.patient.get(patientKey, r.patientSex, r.patientBirthDate) as {
      id: number;
    };
    const { id: studyId } = this.stmts.study.get(
      patientId,
      r.studyInstanceUid,
      r.studyDate,
      r.studyTime,
      r.accessionNumber,
      r.studyDescription,
    ) as { id: number };
    const { id: seriesId } = this.stmts.series.get(
      studyId,
      r.seriesInstanceUid,
      r.modality,
      r.seriesNumber,
    ) as {
      id: number;
    };
    const header = JSON.stringify(r.header);
    for (const f of r.frames) {
      this.stmts.image.run(
        fileId,
        seriesId,
        f.frame,
        r.sopInstanceUid,
        r.sopClassUid,
        r.instanceNumber,
        f.rows,
        f.columns,
        f.bitsAllocated,
        f.bitsStored,
        f.samplesPerPixel,
        f.photometric,
        r.modality,
        r.bodyPart,
        r.viewPosition,
        r.transferSyntax,
        f.pixelHash,
        f.windowCenter,
        f.windowWidth,
        f.windowSource,
        f.thumbnail,
        header,
      );
    }
  }
}
