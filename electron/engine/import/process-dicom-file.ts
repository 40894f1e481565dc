/**
 * Per-file work of the import worker: parse a DICOM file, decode and render every frame, hash the
 * pixels and write content-addressed PNG thumbnails. Bad input never throws; it becomes a
 * 'skipped' or 'error' result whose reason holds only structural facts (never patient data).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isMainThread } from 'node:worker_threads';
import sharp from 'sharp';
import {
  DicomError,
  type DicomDataset,
  decodeFrame,
  flatHeader,
  getNumber,
  getString,
  hasPixelData,
  parseDicom,
  pixelHash,
  readPixelInfo,
  renderFrame,
  sopClassName,
} from '../dicom/index.ts';
import { phash } from '../image/phash.ts';
import { writeRendering, writeRenderings } from './thumbnail.ts';

export interface ProcessedFrame {
  frame: number; // 0-based
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  samplesPerPixel: number;
  photometric: string;
  pixelHash: string; // hex sha-256
  // 64-bit perceptual hash of the rendered frame, 16 hex chars (image/phash.ts); always set for
  // DICOM. Optional only until process-raster-file.ts fills it too.
  phash?: string;
  windowCenter: number | null;
  windowWidth: number | null;
  windowSource: 'window' | 'voi-lut' | 'min-max';
  thumbnail: string; // path relative to cacheDir, e.g. 'thumbs/ab/<pixelHash>.png'
  /** With `trainingSize`: the training rendering, relative to cacheDir ('renders/512/ab/<pixelHash>.png'). */
  training?: string;
}

export interface ProcessedImage {
  kind: 'image';
  transferSyntax: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  patientId: string;
  patientName: string;
  patientSex: string | null;
  patientBirthDate: string | null;
  studyDate: string | null;
  studyTime: string | null;
  accessionNumber: string | null;
  studyDescription: string | null;
  seriesNumber: number | null;
  instanceNumber: number | null;
  modality: string | null;
  bodyPart: string | null;
  viewPosition: string | null;
  header: Record<string, string>;
  frames: ProcessedFrame[];
}

export type ProcessedFile =
  ProcessedImage | { kind: 'skipped'; reason: string } | { kind: 'error'; reason: string };

export interface ProcessOptions {
  cacheDir: string;
  thumbSize?: number;
  /** Also write a PNG rendering fitting within this many pixels (what export would train on). */
  trainingSize?: number;
}

let sharpConfigured = false;

export async function processDicomFile(absPath: string, opts: ProcessOptions): Promise<ProcessedFile> {
  if (!sharpConfigured) {
    // Worker threads each run one file at a time; libvips' own thread pool would oversubscribe.
    if (!isMainThread) sharp.concurrency(1);
    sharpConfigured = true;
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(absPath);
  } catch (err) {
    // The path itself may name the patient, so only the error code is reported.
    return { kind: 'error', reason: `cannot read file (${errorCode(err)})` };
  }
  try {
    return await processBytes(bytes, absPath, opts);
  } catch (err) {
    if (err instanceof DicomError) {
      if (err.code !== 'not-dicom') return { kind: 'error', reason: err.message };
      const archive = archiveKind(bytes);
      return {
        kind: 'skipped',
        reason: archive
          ? `${archive}: MedPrep does not read inside archives; extract it and import the folder`
          : 'not a DICOM file',
      };
    }
    // A system error here comes from the thumbnail cache (disk full, permissions), not from a bug.
    if (errorCode(err) !== 'unknown error')
      return { kind: 'error', reason: `cannot write thumbnail (${errorCode(err)})` };
    throw err;
  }
}

async function processBytes(bytes: Buffer, absPath: string, opts: ProcessOptions): Promise<ProcessedFile> {
  const file = parseDicom(bytes);
  const ds = file.dataset;
  const sopClassUid = getString(ds, 0x00080016) ?? getString(file.meta, 0x00020002);
  if (!hasPixelData(file)) return { kind: 'skipped', reason: `no pixel data (${sopClassName(sopClassUid)})` };

  const info = readPixelInfo(ds);
  const thumbSize = opts.thumbSize ?? 256;
  const frames: ProcessedFrame[] = [];
  for (let frame = 0; frame < info.numberOfFrames; frame++) {
    const decoded = decodeFrame(file, frame, info);
    const hash = pixelHash(decoded);
    const rendered = renderFrame(ds, decoded);
    const { thumbnail, training } =
      opts.trainingSize === undefined
        ? {
            thumbnail: await writeRendering(opts.cacheDir, 'thumbs', hash, rendered, thumbSize),
            training: undefined,
          }
        : await writeRenderings(opts.cacheDir, hash, rendered, {
            thumbSize,
            trainingSize: opts.trainingSize,
          });
    frames.push({
      frame,
      rows: decoded.info.rows,
      columns: decoded.info.columns,
      bitsAllocated: decoded.info.bitsAllocated,
      bitsStored: decoded.info.bitsStored,
      samplesPerPixel: decoded.info.samplesPerPixel,
      photometric: info.photometric,
      pixelHash: hash,
      phash: phash(rendered),
      windowCenter: rendered.window.center,
      windowWidth: rendered.window.width,
      windowSource: rendered.window.source,
      thumbnail,
      ...(training === undefined ? {} : { training }),
    });
  }

  // Stand-ins for missing UIDs are stable per file so re-imports group the same way.
  const pathHash = createHash('sha256').update(absPath).digest('hex').slice(0, 32);
  const uid = (tag: number, what: string): string => getString(ds, tag) ?? `missing:${what}:${pathHash}`;
  const str = (tag: number): string | null => getString(ds, tag) ?? null;
  return {
    kind: 'image',
    transferSyntax: file.transferSyntax,
    sopClassUid: sopClassUid ?? `missing:sop-class:${pathHash}`,
    sopInstanceUid:
      getString(ds, 0x00080018) ?? getString(file.meta, 0x00020003) ?? `missing:sop:${pathHash}`,
    studyInstanceUid: uid(0x0020000d, 'study'),
    seriesInstanceUid: uid(0x0020000e, 'series'),
    patientId: getString(ds, 0x00100020) ?? '',
    patientName: getString(ds, 0x00100010) ?? '',
    patientSex: str(0x00100040),
    patientBirthDate: str(0x00100030),
    studyDate: str(0x00080020),
    studyTime: str(0x00080030),
    accessionNumber: str(0x00080050),
    studyDescription: str(0x00081030),
    seriesNumber: integer(ds, 0x00200011),
    instanceNumber: integer(ds, 0x00200013),
    modality: str(0x00080060),
    bodyPart: str(0x00180015),
    viewPosition: str(0x00185101),
    header: flatHeader(file),
    frames,
  };
}

/** Archives and compressed files by their signature, so they are skipped with a reason that says what to do. */
function archiveKind(b: Buffer): string | null {
  if (b.length >= 4 && b.readUInt32BE(0) === 0x504b0304) return 'a zip archive';
  if (b.length >= 262 && b.toString('latin1', 257, 262) === 'ustar') return 'a tar archive';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'a gzip-compressed file';
  if (b.length >= 6 && b.toString('latin1', 0, 6) === '7z\xbc\xaf\x27\x1c') return 'a 7z archive';
  return null;
}

function integer(ds: DicomDataset, tag: number): number | null {
  const n = getNumber(ds, tag);
  return n === undefined || !Number.isFinite(n) ? null : Math.trunc(n);
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
