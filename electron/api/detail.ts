// Detail view and project home: an image's real values for window/level, its labels and neighbours, and the
// funnel of the whole project in one call. Types and constants only (the renderer imports this module).
/** One window from the header (or the frame's full range), in modality units. */
export interface PixelWindow {
  center: number;
  width: number;
  /** The header's explanation (WindowCenterWidthExplanation), or 'Header 1', 'Full range'. */
  label: string;
}

/**
 * An image's modality values (after the Modality LUT / rescale), downsampled to at most `DETAIL_MAX_SIDE` on
 * the longer side, as a little-endian Float32 file served at `url` (relative to the renderer's origin):
 * `width * height * channels` values, pixel-major with channels interleaved.
 */
export interface DetailPixels {
  url: string;
  width: number;
  height: number;
  channels: 1 | 3;
  /** Full-size dimensions of the source frame. */
  sourceWidth: number;
  sourceHeight: number;
  min: number;
  max: number;
  /** MONOCHROME1 is shown inverted by default (higher values darker), as a viewer does. */
  photometric: string;
  /** Header windows first, then the full range; the first is the default. */
  windows: PixelWindow[];
}

export const DETAIL_MAX_SIDE = 1024;

/** CheXpert-style labels keep four states; `null` is "not mentioned". */
export type LabelValue = 1 | 0 | -1 | null;

export interface ImageLabel {
  name: string;
  source: string;
  value: LabelValue;
}

export interface Neighbour {
  imageId: number;
  /** Hamming distance of the 64-bit pHashes (0 = the same picture); null when one image has no pHash. */
  distance: number | null;
  /** Dedup clusters both images sit in (method names), empty when found by pHash distance only. */
  clusters: string[];
  thumbnail: string | null;
  viewPosition: string | null;
  studyDate: string | null;
}

export interface ImageContext {
  imageId: number;
  studyId: number;
  /** The study's report ids (first is shown), for `deid.report`. */
  reportIds: number[];
  labels: ImageLabel[];
  /** De-identification state of the image: 'done', 'not-applicable', 'error', or null before any run. */
  deid: string | null;
  /** Quarantine: null when never quarantined, else 'pending', 'release' or 'exclude'. */
  quarantine: string | null;
}

export interface DashboardCounts {
  /** Every file import has seen: imported, skipped or broken. */
  filesSeen: number;
  filesImported: number;
  images: number;
  reports: number;
  errors: number;
  skipped: number;
  /** Images with a finished de-identification (header done or not applicable). */
  deidentified: number;
  deidRun: boolean;
  /** Images quarantined and waiting for a person. */
  quarantinePending: number;
  quarantined: number;
  /** Spans waiting for a reviewer. */
  spansToReview: number;
  /** Null until a curation run has decided (an analysis alone decides nothing). */
  kept: number | null;
  curationAnalysedOnly: boolean;
  /** Null until SFT has run. */
  sftSamples: number | null;
  bundles: number;
  bundlesFailed: number;
  lastBundle: { path: string; format: string; createdAt: string } | null;
}

export interface DetailInvoke {
  'detail.pixels': (args: { imageId: number }) => DetailPixels;
  'detail.context': (args: { imageId: number }) => ImageContext;
  'detail.neighbours': (args: { imageId: number; limit?: number }) => Neighbour[];
  /** The project's funnel; the renderer adds jobs.list for what runs now. */
  'detail.dashboard': (args: Record<string, never>) => DashboardCounts;
}

export const DETAIL_CHANNELS = [
  'detail.pixels',
  'detail.context',
  'detail.neighbours',
  'detail.dashboard',
] as const satisfies readonly (keyof DetailInvoke)[];

/** URL path (relative to the renderer's origin) of an image's detail values. */
export function detailPixelsPath(imageId: number, pixelHash: string): string {
  return `media/pixels/${imageId}-${pixelHash}.f32`;
}
