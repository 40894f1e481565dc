// Public types of the on-device inference layer. Plain data only: these cross the process boundary.

/** What a caller may ask for; 'auto' tries what the platform offers and ends on the CPU. */
export type DeviceRequest = 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';
export type ExecutionDevice = Exclude<DeviceRequest, 'auto'>;
export const DEVICE_REQUESTS: readonly DeviceRequest[] = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

/** A device that was tried and not used, and why (one line). */
export interface DeviceFallback {
  device: ExecutionDevice;
  reason: string;
}

/** Which device actually ran a model, recorded on every result. */
export interface DeviceRun {
  requested: DeviceRequest;
  device: ExecutionDevice;
  fallbacks: DeviceFallback[];
}

/** The tasks a manifest can declare. */
export type ModelTask =
  | 'feature-extraction'
  | 'image-text-embedding'
  | 'token-classification'
  | 'text-generation'
  | 'translation'
  | 'text-ocr';
export const MODEL_TASKS: readonly ModelTask[] = [
  'feature-extraction',
  'image-text-embedding',
  'token-classification',
  'text-generation',
  'translation',
  'text-ocr',
];

/** An 8-bit image as the engine renders it from DICOM: row-major, channels interleaved. */
export interface PixelImage {
  width: number;
  height: number;
  /** 1 = grayscale, 3 = RGB. */
  channels: 1 | 3;
  data: Uint8Array;
}

/** One recognised entity with character offsets into the input text (end exclusive). */
export interface EntitySpan {
  label: string;
  start: number;
  end: number;
  text: string;
  /** Mean probability of the entity's tokens. */
  score: number;
}

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** Timing and device of one task call. */
export interface RunInfo extends DeviceRun {
  items: number;
  batches: number;
  /** Wall time of the whole call, milliseconds. */
  ms: number;
  /** Milliseconds from the call to its first finished batch (includes loading the model when it was not loaded). */
  firstResultMs: number;
}

export interface EmbeddingResult {
  vectors: Float32Array[];
  /** Vectors are L2-normalised, so a dot product is a cosine. */
  normalized: true;
  run: RunInfo;
}

export interface ScoresResult {
  /** Cosine similarity of each image–text pair, in [-1, 1]. */
  scores: number[];
  run: RunInfo;
}

export interface EntitiesResult {
  entities: EntitySpan[][];
  run: RunInfo;
}

export interface TextsResult {
  texts: string[];
  run: RunInfo;
}

/** One line of text read in an image: its box (image pixels, axis-aligned) and what it says. */
export interface OcrLine {
  x: number;
  y: number;
  width: number;
  height: number;
  text: string;
  /** Mean probability of the characters read. */
  score: number;
  /** Mean text probability of the detected region. */
  boxScore: number;
  /** How far the line is turned clockwise in the image (it was read turned back). */
  rotation: 0 | 90 | 180 | 270;
}

export interface OcrResult {
  /** The lines of each image, top to bottom. */
  lines: OcrLine[][];
  run: RunInfo;
}

export interface Progress {
  done: number;
  total: number;
}

export interface RunOptions {
  device?: DeviceRequest;
  /** Items per request to the model process (default 8). */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface GenerateOptions extends RunOptions {
  maxNewTokens?: number;
}

/** Load information for one model (from check and from the first use). */
export interface LoadInfo extends DeviceRun {
  model: string;
  loadMs: number;
  /** The model was already loaded in the process (no new session was created). */
  cached: boolean;
}

/** The model process, as seen from its parent. */
export interface HostStats {
  pid: number;
  /** Resident memory now and its peak over the process's life, bytes. */
  rss: number;
  peakRss: number;
  /** Sessions created so far (one per model and device). */
  loads: number;
  loaded: { model: string; device: ExecutionDevice }[];
}
