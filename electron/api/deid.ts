// De-identification stage: settings, the deid job, header before/after, quarantine with masks, report review.
// Types and constants only (the renderer imports this module). The linkage export is deliberately not here:
// it is a CLI-only command (`medprep deid PROJECT --export-linkage FILE`).
import type { JobInfo } from './contract.ts';

export type LongitudinalSetting = 'remove' | 'full-dates' | 'modified-dates';
export type BirthDateSetting = 'empty' | 'shift' | 'year';
export type TextMode = 'tags' | 'surrogates';

/** Project settings for de-identification (stored as JSON in settings under the key `deid`). */
export interface DeidSettings {
  longitudinal: LongitudinalSetting;
  retainPatientCharacteristics: boolean;
  retainDeviceIdentity: boolean;
  retainInstitutionIdentity: boolean;
  retainUids: boolean;
  retainSafePrivate: boolean;
  cleanDescriptors: boolean;
  cleanStructuredContent: boolean;
  cleanGraphics: boolean;
  birthDate: BirthDateSetting;
  /** Inclusive range of the per-patient date shift in days. */
  shiftRange: { min: number; max: number };
  textMode: TextMode;
  /**
   * The report-text NER model: `auto` uses an installed token-classification model when there is one, `off`
   * never, a model id that model (an error when it is not installed).
   */
  textModel: 'auto' | 'off' | (string & {});
  /**
   * The OCR model that reads burned-in text: `auto` uses the bundled or an installed text-ocr model (PHI text
   * masked, markers kept, unsure text to the quarantine), `off` the model-free detector (quarantine only), a
   * model id that model.
   */
  pixelTextModel: 'auto' | 'off' | (string & {});
}

export type DeidSettingKey = keyof DeidSettings;

/** One option explained in plain words, for the settings screen. */
export interface DeidSettingHelp {
  key: DeidSettingKey;
  label: string;
  help: string;
  /** For choice options: each value with its own words. */
  choices?: { value: string; label: string; help: string }[];
}

export interface DeidSettingsInfo {
  settings: DeidSettings;
  defaults: DeidSettings;
  help: DeidSettingHelp[];
}

export interface DeidSummary {
  runId: number;
  /** Images de-identified (header) by this run. */
  imagesProcessed: number;
  /** Images left as they were because nothing changed since the run that did them. */
  imagesUnchanged: number;
  /** PNG/JPEG images: no header to de-identify (their pixels are still checked for text). */
  imagesNotApplicable: number;
  /** Images in the quarantine waiting for a person's decision. */
  quarantined: number;
  /** Lines of burned-in text read by OCR in the images this run did, by decision (phi, marker, unsure, noise). */
  pixelText: Record<string, number>;
  reportsProcessed: number;
  reportsUnchanged: number;
  /** Spans found in the reports this run processed, by category. */
  spansByCategory: Record<string, number>;
  /** Failures, with the image or report id and a reason without PHI. */
  errors: { item: string; reason: string }[];
  /** The NER model the report-text step used with the rules, and the device that ran it; null: rules only. */
  textModel: { id: string; device: string | null } | null;
}

export interface DeidOverview {
  lastRun: { id: number; createdAt: string; settings: DeidSettings } | null;
  images: number;
  imagesDone: number;
  reports: number;
  reportsDone: number;
  quarantinePending: number;
  spansToReview: number;
}

export interface HeaderDiffRow {
  /** Tag as (gggg,eeee). */
  tag: string;
  keyword: string;
  /** The original value: shown in the app only, from the local project. Null when absent. */
  before: string | null;
  after: string | null;
  /** The action applied (D, Z, X, K, C, U, A, M), or null when nothing touched the element. */
  action: string | null;
}

export interface MaskRectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type QuarantineDecision = 'release' | 'exclude';

export interface QuarantineItem {
  imageId: number;
  reason: string;
  /** `header` (the image's kind), `detector` (text-like regions), `ocr` (text OCR could not decide) or `error`. */
  source: string;
  decision: QuarantineDecision | null;
  reviewedAt: string | null;
  rows: number;
  columns: number;
  thumbnail: string | null;
  /** Regions the detector found, in image pixels. */
  regions: MaskRectangle[];
  /** Rectangles a person drew, in image pixels; blanked in every de-identified copy. */
  masks: MaskRectangle[];
  /**
   * The lines the OCR model read in the image's file, for the reviewer: what was read, its box (image pixels,
   * padded) and the decision (`phi` masked, `marker` kept, `unsure` the reason the image is here).
   */
  textRead: { text: string; category: string; frame: number; box: MaskRectangle }[];
}

export type SpanCategoryName = 'NAME' | 'DATE' | 'AGE' | 'ID' | 'CONTACT' | 'LOCATION' | 'REDACTED';
export const SPAN_CATEGORIES: readonly SpanCategoryName[] = [
  'NAME',
  'DATE',
  'AGE',
  'ID',
  'CONTACT',
  'LOCATION',
];

export type SpanReview = 'accepted' | 'rejected';

export interface ReviewSpan {
  id: number;
  start: number;
  end: number;
  category: SpanCategoryName;
  /** `rule:<name>`, `header`, `model`, `placeholder`, or `user` for a span a person added. */
  source: string;
  confidence: number | null;
  review: SpanReview | null;
}

export interface ReportReview {
  id: number;
  studyId: number;
  /** The original text: shown in the app only, from the local project. */
  rawText: string;
  deidText: string | null;
  spans: ReviewSpan[];
}

export interface ReportListItem {
  id: number;
  studyId: number;
  spans: number;
  toReview: number;
  done: boolean;
}

export interface ReviewQueueItem {
  reportId: number;
  span: ReviewSpan;
}

export interface DeidInvoke {
  'deid.settings.get': (args: Record<string, never>) => DeidSettingsInfo;
  'deid.settings.set': (args: { settings: Partial<DeidSettings> }) => DeidSettingsInfo;
  'deid.start': (args: Record<string, never>) => JobInfo;
  'deid.summary': (args: { jobId: string }) => DeidSummary;
  'deid.overview': (args: Record<string, never>) => DeidOverview;
  'deid.headerDiff': (args: { imageId: number }) => HeaderDiffRow[];
  'deid.quarantine.list': (args: Record<string, never>) => QuarantineItem[];
  'deid.quarantine.decide': (args: { imageId: number; decision: QuarantineDecision }) => QuarantineItem;
  'deid.masks.set': (args: { imageId: number; masks: MaskRectangle[] }) => MaskRectangle[];
  'deid.reports.list': (args: { offset: number; limit: number }) => {
    total: number;
    items: ReportListItem[];
  };
  'deid.report': (args: { reportId: number }) => ReportReview;
  'deid.span.review': (args: { spanId: number; review: SpanReview | null }) => ReportReview;
  'deid.span.add': (args: {
    reportId: number;
    start: number;
    end: number;
    category: SpanCategoryName;
  }) => ReportReview;
  'deid.reviewQueue': (args: { limit: number }) => ReviewQueueItem[];
}

export const DEID_CHANNELS = [
  'deid.settings.get',
  'deid.settings.set',
  'deid.start',
  'deid.summary',
  'deid.overview',
  'deid.headerDiff',
  'deid.quarantine.list',
  'deid.quarantine.decide',
  'deid.masks.set',
  'deid.reports.list',
  'deid.report',
  'deid.span.review',
  'deid.span.add',
  'deid.reviewQueue',
] as const satisfies readonly (keyof DeidInvoke)[];
