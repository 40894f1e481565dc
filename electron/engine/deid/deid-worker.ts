// Worker-thread entry for de-identification: one DICOM file, one PNG/JPEG image or one report per request.
// Only results without values come back (tags, actions, linkage pairs, decisions); the bytes stay here.
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import type { TextMode } from '../../api/deid.ts';
import {
  type DeidOptions,
  type LinkagePair,
  type TextRegion,
  deidentifyDicom,
  detectBurnedInText,
} from '../deid-dicom/index.ts';
import { type PixelView, dicomViews, rasterViews } from '../burned-text/index.ts';
import { parseDicom, prepareDecoding } from '../dicom/index.ts';
import { type DeidSpan, type KnownIdentifiers, type MergeInput, detectSpans } from '../deid-text/index.ts';
import { serveWorker } from '../jobs/worker-pool.ts';
import { headerCleaner } from './clean.ts';

export interface DicomTask {
  kind: 'dicom';
  path: string;
  secret: Uint8Array;
  options: DeidOptions;
  textMode: TextMode;
  patientKey: string;
  known: KnownIdentifiers;
  appVersion: string;
  /** Return the pixel views for the OCR model (which then decides) instead of running the detector. */
  ocr: boolean;
}

export interface RasterTask {
  kind: 'raster';
  path: string;
  ocr: boolean;
}

export interface ReportTask {
  kind: 'report';
  text: string;
  known: KnownIdentifiers;
  /** The NER model's spans (source `model`), united with the rules'. */
  extra?: MergeInput[];
}

export type DeidTask = DicomTask | RasterTask | ReportTask;

export interface QuarantineFinding {
  reason: string;
  source: 'header' | 'detector' | 'ocr' | 'error';
  regions: Omit<TextRegion, 'glyphs'>[];
}

export type DeidTaskResult =
  | {
      kind: 'dicom';
      actions: { tag: string; action: string }[];
      linkage: LinkagePair[];
      shiftDays: number;
      transferSyntaxChanged: boolean;
      quarantine: QuarantineFinding | null;
      /** For OCR (tasks with `ocr`): every view of every frame; empty when the pixels could not be read. */
      views?: PixelView[];
    }
  | { kind: 'raster'; quarantine: QuarantineFinding | null; views?: PixelView[] }
  | { kind: 'report'; spans: Omit<DeidSpan, 'replacement'>[] };

sharp.concurrency(1);

async function dicom(task: DicomTask): Promise<DeidTaskResult> {
  const bytes = await readFile(task.path);
  const secret = Buffer.from(task.secret);
  const result = await deidentifyDicom(bytes, {
    secret,
    options: task.options,
    appVersion: task.appVersion,
    patientKey: task.patientKey,
    cleanText: headerCleaner({ ...task, secret }),
    patientStudyDates: task.known.studyDates ?? [],
    ...(task.ocr ? { detectText: false as const } : {}),
  });
  let q = result.quarantine;
  let views: PixelView[] | undefined;
  if (task.ocr) {
    try {
      const file = parseDicom(bytes);
      await prepareDecoding(file);
      views = dicomViews(file);
    } catch (err) {
      // Pixels that cannot be read cannot be checked: review them rather than export them unseen.
      q ??= { reason: `pixels could not be checked for burned-in text: ${firstLine(err)}` };
      views = [];
    }
  }
  return {
    ...(views ? { views } : {}),
    kind: 'dicom',
    actions: result.actions.map((a) => ({ tag: a.tag, action: a.action })),
    linkage: result.linkage,
    shiftDays: result.shiftDays,
    transferSyntaxChanged: result.transferSyntaxChanged,
    quarantine:
      q === null
        ? null
        : {
            reason: q.reason,
            source: q.regions ? 'detector' : q.reason.startsWith('pixels could not') ? 'error' : 'header',
            regions: q.regions ?? [],
          },
  };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

/**
 * PNG/JPEG: no header to de-identify, but the pixels may carry text. With OCR, the colour picture and its
 * chroma go back to be read; otherwise the detector runs on an 8-bit grey rendering.
 */
async function raster(task: RasterTask): Promise<DeidTaskResult> {
  try {
    if (task.ocr) {
      const { data, info } = await sharp(await readFile(task.path))
        .removeAlpha()
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      return { kind: 'raster', quarantine: null, views: rasterViews(info.width, info.height, 3, pixels) };
    }
    const { data, info } = await sharp(await readFile(task.path))
      .greyscale()
      .toColourspace('b-w')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const regions = detectBurnedInText({
      width: info.width,
      height: info.height,
      channels: 1,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return {
      kind: 'raster',
      quarantine:
        regions.length > 0
          ? { reason: 'text-like regions detected in pixels', source: 'detector', regions }
          : null,
    };
  } catch (err) {
    return {
      kind: 'raster',
      quarantine: {
        reason: `pixels could not be checked for burned-in text: ${firstLine(err)}`,
        source: 'error',
        regions: [],
      },
    };
  }
}

export async function runDeidTask(task: DeidTask): Promise<DeidTaskResult> {
  switch (task.kind) {
    case 'dicom':
      return dicom(task);
    case 'raster':
      return raster(task);
    case 'report':
      return { kind: 'report', spans: detectSpans(task.text, { known: task.known }, task.extra ?? []) };
  }
}

if (parentPort) serveWorker<DeidTask, DeidTaskResult>(parentPort, runDeidTask);
