import type { ReportSections } from '../../reports/index.ts';

export type LabelValue = 1 | 0 | -1 | null;
export type MetaValue = string | number | boolean | null | string[];

/** What a layout knows about the study an item belongs to; written with the item, in its transaction. */
export interface StudyContext {
  /** Namespaced so sources never collide: `mimic-cxr:10000032`, `padchest:<PatientID>`, `manifest:<id>`. */
  patientKey: string;
  studyKey: string;
  sex?: string | null;
  birthYear?: number | null;
  studyDate?: string | null;
  studyTime?: string | null;
  /** The official split; undefined leaves the stored one alone, null clears it. */
  split?: string | null;
  /**
   * Label sets by labeler. The first time a run touches a study, each listed source's stored labels for it
   * are replaced; later touches in the same run add to them (PADCHEST rows of one study).
   */
  labels?: { source: string; values: [name: string, value: LabelValue][] }[];
  /** A report carried by a side file (the PADCHEST CSV, a manifest), stored against that file's row. */
  report?: ReportRecord;
}

export interface ReportRecord {
  text: string;
  sections: ReportSections | null;
  language: string | null;
  /** Stemmed or tokenised text (PADCHEST): never to be used as a target sentence. */
  stemmed: boolean;
  /** The side file the report was read from. */
  fileRel: string;
}

/** What a layout knows about one image beyond its pixels. */
export interface ImageContext {
  /** Series key when the file has no DICOM series (raster) or to keep a layout's series apart. */
  seriesKey?: string;
  sopKey?: string;
  viewPosition?: string | null;
  modality?: string | null;
  /** Header-like values for raster images (PADCHEST's `*_DICOM` columns, by DICOM keyword). */
  header?: Record<string, string>;
  /** Layout metadata with no column of its own (images.meta). */
  meta?: Record<string, MetaValue>;
}

/** How the worker reads a file: as DICOM, as PNG/JPEG, by sniffing its first bytes, or as a report text. */
export type TaskKind = 'dicom' | 'raster' | 'image' | 'report';

export type ImportItem =
  | {
      kind: 'file';
      task: TaskKind;
      rel: string;
      abs: string;
      size: number;
      mtimeMs: number;
      study?: StudyContext;
      image?: ImageContext;
    }
  /** Recorded as skipped without reading it (a DICOMDIR, a file outside the layout). */
  | { kind: 'skip'; rel: string; size: number; mtimeMs: number; reason: string }
  /** Recorded as an error without reading it (missing, unreadable, inconsistent with the CSVs). */
  | { kind: 'error'; rel: string; size: number; mtimeMs: number; reason: string; study?: StudyContext };

/** A CSV or manifest the layout read: recorded as a file row, completed only when the run finishes. */
export interface SideFile {
  rel: string;
  size: number;
  mtimeMs: number;
  /** Set when the file could not be read; its contents were not used. */
  error?: string;
}

export interface Layout {
  sideFiles: SideFile[];
  items(signal: AbortSignal): AsyncIterable<ImportItem>;
}
