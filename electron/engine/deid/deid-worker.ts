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
}

export interface RasterTask {
  kind: 'raster';
  path: string;
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
  source: 'header' | 'detector' | 'error';
  regions: TextRegion[];
}

export type DeidTaskResult =
  | {
      kind: 'dicom';
      actions: { tag: string; action: string }[];
      linkage: LinkagePair[];
      shiftDays: number;
      transferSyntaxChanged: boolean;
      quarantine: QuarantineFinding | null;
    }
  | { kind: 'raster'; quarantine: QuarantineFinding | null }
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
  });
  const q = result.quarantine;
  return {
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

/** PNG/JPEG: no header to de-identify, but the pixels may carry text; the detector runs on an 8-bit rendering. */
async function raster(task: RasterTask): Promise<DeidTaskResult> {
  try {
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
        reason: `pixels could not be checked for burned-in text: ${(err as Error).message.split('\n')[0]}`,
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
