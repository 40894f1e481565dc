// Export and verify: the channels and shapes of the bundle stage (types and constants only).
import type { JobInfo } from './contract.ts';

export const EXPORT_FORMATS = ['llava', 'sharegpt', 'messages', 'parquet', 'webdataset'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_IMAGE_KINDS = ['png', 'jpeg', 'dicom'] as const;
export type ExportImageKind = (typeof EXPORT_IMAGE_KINDS)[number];
export type ExportArchive = 'tar' | 'zip';

export interface ExportOptions {
  format: ExportFormat;
  /** Default png. */
  images?: ExportImageKind;
  /** Longest side of rendered images in pixels (default 512; ignored for dicom). */
  maxSide?: number;
  /** Write one .tar or .zip file at OUT instead of a folder. */
  archive?: ExportArchive;
  /** Parquet and WebDataset shards close at this size in bytes (default 500 MB). */
  shardBytes?: number;
}

export interface LeakHitView {
  file: string;
  record: string;
  category: string;
  /** `review`: a hit the gate could not decide; it waits in the review queue (export.leaks). */
  kind: 'identifier' | 'pattern' | 'review';
}

export interface LeakSummary {
  ok: boolean;
  hits: LeakHitView[];
  textsScanned: number;
  /** Images whose source had burned-in text, read again by OCR in the bundle (absent: no image checked). */
  pixelsChecked?: number;
  /** Review hits a person accepted that this run met (absent in results recorded before the queue). */
  accepted?: number;
}

/** One hit of the leak gate's review queue. */
export interface LeakReviewItem {
  id: number;
  file: string;
  record: string;
  category: string;
  state: 'open' | 'accepted';
  reason: string | null;
  decidedAt: string | null;
  /**
   * The matched word and its sentence: patient data, present only when asked for with `withText` (a
   * terminal, the app); never logged, never in --json.
   */
  match?: string;
  context?: string;
}

export interface LeakQueue {
  open: LeakReviewItem[];
  /** Hits a person accepted so far. */
  accepted: number;
}

export interface ExportPlan {
  /** The dataset card (README.md) the bundle would carry. */
  card: string;
  /** The leak gate over every text the bundle would carry, images aside. */
  leak: LeakSummary;
  samples: number;
  images: number;
  splits: Record<string, number>;
}

export interface ExportResult {
  ok: boolean;
  /** Where the bundle is; null when nothing was written. */
  out: string | null;
  format: ExportFormat;
  /** SHA-256 over the manifest's file list. */
  digest: string | null;
  files: number;
  bytes: number;
  samples: number;
  images: number;
  leak: LeakSummary;
  /** Why it failed, one line without PHI; null on success. */
  error: string | null;
}

export interface VerifyCheck {
  name: string;
  ok: boolean;
  /** One line; names files and records, never patient values. */
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  bundle: string;
  format: ExportFormat | null;
  checks: VerifyCheck[];
  /** One line: what failed, or that everything passed. */
  summary: string;
}

export interface ExportInvoke {
  'export.plan': (args: ExportOptions) => ExportPlan;
  'export.run': (args: ExportOptions & { out: string }) => JobInfo;
  'export.result': (args: { jobId: string }) => ExportResult;
  /** With `withProject`, also scans against the open project's original identifiers. */
  /** `ocr`: also read every image of the bundle by OCR for identifier text. */
  'export.verify': (args: { bundle: string; withProject?: boolean; ocr?: boolean }) => VerifyReport;
  /** The review queue; `refresh` runs the gate over the bundle texts first (as a plan would). */
  'export.leaks': (args: { withText?: boolean; refresh?: boolean }) => LeakQueue;
  /** A person's decision: this hit is no identifier (reason required). */
  'export.acceptLeak': (args: { id: number; reason: string }) => LeakReviewItem;
}

export const EXPORT_CHANNELS = [
  'export.plan',
  'export.run',
  'export.result',
  'export.verify',
  'export.leaks',
  'export.acceptLeak',
] as const satisfies readonly (keyof ExportInvoke)[];
