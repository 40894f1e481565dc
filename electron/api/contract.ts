// The one typed API contract. Every front (Electron IPC, browser mode, in-process calls from the CLI and
// tests) serves exactly these channels; renaming one is a compile error everywhere.
// This module is types and constants only: the renderer imports it, so it must stay free of Node.
import { DEID_CHANNELS, type DeidInvoke } from './deid.ts';
import { DETAIL_CHANNELS, type DetailInvoke } from './detail.ts';
import { EXPORT_CHANNELS, type ExportInvoke } from './export.ts';
import { SFT_CHANNELS, type SftInvoke } from './sft.ts';

import { CURATE_CHANNELS, type CurateInvoke } from './curate.ts';

import { MODELS_CHANNELS, type ModelJobKind, type ModelsInvoke } from './models.ts';

import { BROWSE_CHANNELS, type BrowseInvoke } from './browse.ts';

import { PATIENTS_CHANNELS, type PatientsInvoke } from './patients.ts';

export type ImportFormat = 'auto' | 'dicom' | 'mimic-cxr' | 'mimic-cxr-jpg' | 'padchest' | 'manifest';
export const IMPORT_FORMATS: readonly ImportFormat[] = [
  'auto',
  'dicom',
  'mimic-cxr',
  'mimic-cxr-jpg',
  'padchest',
  'manifest',
];

export interface AppInfo {
  name: 'MedPrep';
  version: string;
  /** Node.js version the engine runs on. */
  node: string;
  platform: string;
  /** Absolute path of the bundled sample data, for "Open sample project". */
  sampleDataDir: string;
}

export interface ProjectInfo {
  dir: string;
  name: string;
  schemaVersion: number;
  createdAt: string;
  /** Things the engine repaired when opening the project (tightened permissions), to show the user once. */
  notices?: string[];
}

export interface ProjectStats {
  sources: number;
  patients: number;
  studies: number;
  images: number;
  reports: number;
  /** Files recorded as broken (unreadable, corrupt, unsupported). */
  errors: number;
  /** Files recorded and deliberately not imported (not DICOM, no pixel data). */
  skipped: number;
}

export type JobKind = 'import' | 'deid' | 'curate' | 'sft' | 'export' | ModelJobKind;
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface JobInfo {
  id: string;
  kind: JobKind;
  state: JobState;
  /** Items finished (imported, skipped or failed). */
  done: number;
  /** Items known so far; final once `totalKnown` is true (a streaming walk discovers files as it goes). */
  total: number;
  totalKnown: boolean;
  /** Items per second over the recent window. */
  rate: number;
  /** Seconds left, or null while unknown. */
  eta: number | null;
  errors: number;
  /** One human line: what the job is doing now, or why it failed. Never contains PHI. */
  message: string;
  startedAt: string;
  finishedAt: string | null;
}

/** One row of the job history: a job with the options it ran with and how long it took. */
export interface JobRecord extends JobInfo {
  /** The options as given (a source or output path as typed; a long text, such as a recipe, by its size). */
  options: Record<string, unknown>;
  /** Milliseconds from start to end, or null while it has not ended. */
  durationMs: number | null;
}

export interface ImportSummary {
  /** Images imported by this run. */
  imported: number;
  /** Reports imported by this run. */
  reports: number;
  /** Files recorded and not imported on purpose (not DICOM, no pixel data). */
  skipped: number;
  /** Those files with why each was skipped. */
  skippedFiles: { path: string; reason: string }[];
  /** Files left alone because they are unchanged since an earlier run (same path, size, mtime). */
  unchanged: number;
  errors: { path: string; reason: string }[];
}

export interface DetectResult {
  format: Exclude<ImportFormat, 'auto'>;
  /** Why this layout was chosen, in plain words. */
  evidence: string;
}

export interface ImageRow {
  id: number;
  /** Path relative to its source folder. */
  path: string;
  sourceId: number;
  frame: number;
  rows: number;
  columns: number;
  bitsStored: number;
  photometric: string;
  modality: string | null;
  viewPosition: string | null;
  bodyPart: string | null;
  transferSyntax: string;
  studyDate: string | null;
  /** Thumbnail URL relative to the renderer's origin (served by the transport), or null when none. */
  thumbnail: string | null;
}

export interface ImagePage {
  total: number;
  items: ImageRow[];
}

export interface ImageDetail extends ImageRow {
  pixelHash: string;
  windowCenter: number | null;
  windowWidth: number | null;
  windowSource: string;
  /** Header attributes as keyword → display value (from the project store, local only). */
  header: Record<string, string>;
}

export interface FileErrorRow {
  path: string;
  reason: string;
  status: 'error' | 'skipped';
}

/**
 * Invoke map: channel → (argument) → result. Every channel takes exactly one argument object.
 * The core channels are here; each later stage adds its own interface in electron/api/<stage>.ts and joins
 * it to ApiInvoke and CHANNELS below.
 */
export interface CoreInvoke {
  'app.info': (args: Record<string, never>) => AppInfo;
  'project.create': (args: { dir: string; name?: string }) => ProjectInfo;
  'project.open': (args: { dir: string }) => ProjectInfo;
  'project.openSample': (args: { dir?: string }) => ProjectInfo;
  'project.current': (args: Record<string, never>) => ProjectInfo | null;
  'project.close': (args: Record<string, never>) => null;
  'project.stats': (args: Record<string, never>) => ProjectStats;
  'import.detect': (args: { source: string }) => DetectResult;
  'import.start': (args: { source: string; format?: ImportFormat }) => JobInfo;
  'import.summary': (args: { jobId: string }) => ImportSummary;
  'jobs.list': (args: Record<string, never>) => JobInfo[];
  'jobs.cancel': (args: { id: string }) => JobInfo;
  /** What ran in the project, newest first. */
  'jobs.history': (args: { limit?: number; offset?: number }) => JobRecord[];
  'images.list': (args: { offset: number; limit: number }) => ImagePage;
  'images.get': (args: { id: number }) => ImageDetail;
  'files.problems': (args: { offset: number; limit: number }) => { total: number; items: FileErrorRow[] };
  /** Every problem file as CSV (path, status, reason), for the user to keep or share with IT. */
  'files.problemsCsv': (args: Record<string, never>) => { filename: string; csv: string };
}

export type ApiInvoke = CoreInvoke &
  DeidInvoke &
  CurateInvoke &
  SftInvoke &
  ExportInvoke &
  ModelsInvoke &
  DetailInvoke &
  BrowseInvoke &
  PatientsInvoke;

/** Event map: events the engine pushes to every front. */
export interface ApiEvents {
  'job.updated': JobInfo;
  'project.changed': ProjectInfo | null;
}

export type Channel = keyof ApiInvoke;
export type EventName = keyof ApiEvents;
export type ArgsOf<C extends Channel> = Parameters<ApiInvoke[C]>[0];
export type ResultOf<C extends Channel> = ReturnType<ApiInvoke[C]>;

export const CORE_CHANNELS = [
  'app.info',
  'project.create',
  'project.open',
  'project.openSample',
  'project.current',
  'project.close',
  'project.stats',
  'import.detect',
  'import.start',
  'import.summary',
  'jobs.list',
  'jobs.cancel',
  'jobs.history',
  'images.list',
  'images.get',
  'files.problems',
  'files.problemsCsv',
] as const satisfies readonly (keyof CoreInvoke)[];

/** The list of channels, so transports can register and validate them without reflection. */
export const CHANNELS = [
  ...CORE_CHANNELS,
  ...DEID_CHANNELS,
  ...CURATE_CHANNELS,
  ...SFT_CHANNELS,
  ...EXPORT_CHANNELS,
  ...MODELS_CHANNELS,
  ...DETAIL_CHANNELS,
  ...BROWSE_CHANNELS,
  ...PATIENTS_CHANNELS,
] as const satisfies readonly Channel[];

// A compile-time check that CHANNELS lists every channel of ApiInvoke.
type Missing = Exclude<Channel, (typeof CHANNELS)[number]>;
const _allChannelsListed: Missing extends never ? true : Missing = true;
void _allChannelsListed;

export const EVENTS = ['job.updated', 'project.changed'] as const satisfies readonly EventName[];

/** Errors cross every transport as this shape; `code` is stable, `message` is one line without PHI. */
export interface ApiErrorShape {
  code: 'bad-request' | 'not-found' | 'no-project' | 'conflict' | 'unavailable' | 'internal';
  message: string;
}

/** What every front hands the renderer: invoke a channel, subscribe to an event. */
export interface MedprepBridge {
  invoke<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>>;
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
  /** Native folder picker; only the Electron front has one. */
  pickFolder?: () => Promise<string | null>;
  front: 'electron' | 'browser';
}

/** URL path (relative to the renderer's origin) under which a thumbnail is served. */
export function thumbnailPath(pixelHash: string): string {
  return `media/thumbs/${pixelHash}.png`;
}

/** Browser-mode wire protocol over one WebSocket: the renderer sends invokes, the server answers and pushes events. */
export type WireRequest = { type: 'invoke'; id: number; channel: Channel; args: unknown };
export type WireMessage =
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: ApiErrorShape }
  | { type: 'event'; event: EventName; payload: unknown };
