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
}

export interface LeakHitView {
  file: string;
  record: string;
  category: string;
  kind: 'identifier' | 'pattern';
}

export interface LeakSummary {
  ok: boolean;
  hits: LeakHitView[];
  textsScanned: number;
  /** Images whose source had burned-in text, read again by OCR in the bundle (absent: no image checked). */
  pixelsChecked?: number;
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
}

export const EXPORT_CHANNELS = [
  'export.plan',
  'export.run',
  'export.result',
  'export.verify',
] as const satisfies readonly (keyof ExportInvoke)[];
