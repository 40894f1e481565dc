/**
 * Per-file work of the import worker: parse a DICOM file, decode and render every frame, hash the
 * pixels and write content-addressed PNG thumbnails. Bad input never throws; it becomes a
 * 'skipped' or 'error' result whose reason holds only structural facts (never patient data).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { isMainThread } from 'node:worker_threads';
import sharp from 'sharp';
import {
  DicomError,
  type DecodedFrame,
  type DicomDataset,
  decodeFrame,
  flatHeader,
  getItems,
  getNumber,
  getString,
  hasPixelData,
  parseDicom,
  pixelHash,
  prepareDecoding,
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

/**
 * A buffer kept by this thread from file to file and lent to one call at a time: a fresh 15 MB file buffer
 * and 8 MB rendering per radiograph cost thousands of page faults, zero-fills and garbage collections.
 * Nothing of a file outlives processDicomFile (its results are strings). A call that finds the buffer lent
 * (two files at once in one thread) or needs more than MAX bytes gets a buffer of its own.
 */
class Spare {
  static readonly MAX = 64 << 20;
  private buf: Buffer | undefined;
  private lent = false;

  /** At least `size` bytes, and whether they are the spare (to hand back with `release`). */
  take(size: number): { buf: Buffer; spare: boolean } {
    if (this.lent || size > Spare.MAX) return { buf: Buffer.allocUnsafe(size), spare: false };
    this.lent = true;
    if (this.buf === undefined || this.buf.length < size) this.buf = Buffer.allocUnsafe(size);
    return { buf: this.buf, spare: true };
  }

  release(): void {
    this.lent = false;
  }
}

const fileSpare = new Spare();
const renderSpare = new Spare();

interface FileBytes {
  bytes: Buffer;
  /** The bytes sit in fileSpare: release it when done with them. */
  spare: boolean;
}

/** The whole file, in one read when its size is what fstat said. */
async function readWhole(absPath: string): Promise<FileBytes> {
  const fh = await open(absPath, 'r');
  let spare = false;
  try {
    // One byte more than the size, so that a file that grew meanwhile is noticed and read whole.
    const taken = fileSpare.take((await fh.stat()).size + 1);
    spare = taken.spare;
    let buf = taken.buf;
    let length = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length < buf.length) continue;
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, length);
      buf = bigger;
      if (spare) fileSpare.release();
      spare = false;
    }
    return { bytes: buf.subarray(0, length), spare };
  } catch (err) {
    if (spare) fileSpare.release();
    throw err;
  } finally {
    await fh.close();
  }
}

export async function processDicomFile(absPath: string, opts: ProcessOptions): Promise<ProcessedFile> {
  if (!sharpConfigured) {
    // Worker threads each run one file at a time; libvips' own thread pool would oversubscribe.
    if (!isMainThread) sharp.concurrency(1);
    sharpConfigured = true;
  }
  let read: FileBytes;
  try {
    read = await readWhole(absPath);
  } catch (err) {
    // The path itself may name the patient, so only the error code is reported.
    return { kind: 'error', reason: `cannot read file (${errorCode(err)})` };
  }
  try {
    return await processBytes(read.bytes, absPath, opts);
  } catch (err) {
    if (err instanceof DicomError) {
      if (err.code !== 'not-dicom') return { kind: 'error', reason: err.message };
      const archive = archiveKind(read.bytes);
      if (archive)
        return {
          kind: 'skipped',
          reason: `${archive}: MedPrep does not read inside archives; extract it and import the folder`,
        };
      // A file named as DICOM that is not is a broken image, not a benign neighbour (notes, CSVs).
      if (DICOM_NAME.test(absPath)) return { kind: 'error', reason: notDicomReason(read.bytes) };
      return { kind: 'skipped', reason: 'not a DICOM file' };
    }
    // A system error here comes from the thumbnail cache (disk full, permissions), not from a bug.
    if (errorCode(err) !== 'unknown error')
      return { kind: 'error', reason: `cannot write thumbnail (${errorCode(err)})` };
    throw err;
  } finally {
    if (read.spare) fileSpare.release();
  }
}

async function processBytes(bytes: Buffer, absPath: string, opts: ProcessOptions): Promise<ProcessedFile> {
  const file = parseDicom(bytes);
  const ds = file.dataset;
  const sopClassUid = getString(ds, 0x00080016) ?? getString(file.meta, 0x00020002);
  if (!hasPixelData(file)) return { kind: 'skipped', reason: `no pixel data (${sopClassName(sopClassUid)})` };

  const info = readPixelInfo(ds);
  await prepareDecoding(file);
  const frames: ProcessedFrame[] = [];
  for (let frame = 0; frame < info.numberOfFrames; frame++) {
    // The bytes were read for this call alone and each frame's pixels are read once: mask them in place.
    const decoded = decodeFrame(file, frame, info, { overwriteSource: true });
    const hash = pixelHash(decoded);
    const into = renderSpare.take(decoded.data.length);
    try {
      frames.push(await frameResult(ds, decoded, hash, into.buf, opts, info.photometric));
    } finally {
      if (into.spare) renderSpare.release();
    }
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
    viewPosition: str(0x00185101) ?? viewCodeMeaning(ds),
    header: flatHeader(file),
    frames,
  };
}

/** The View Code Sequence's code meaning ("postero-anterior"): some writers give the view only so. */
function viewCodeMeaning(ds: DicomDataset): string | null {
  const code = getItems(ds, 0x00540220)[0];
  return code === undefined ? null : (getString(code, 0x00080104) ?? null);
}

/** Render one decoded frame (into `into` when large enough), write its PNGs and describe it. */
async function frameResult(
  ds: DicomDataset,
  decoded: DecodedFrame,
  hash: string,
  into: Buffer,
  opts: ProcessOptions,
  photometric: string, // the file's, as stored (decoding may have turned YBR into RGB)
): Promise<ProcessedFrame> {
  // A plain Uint8Array view, so the pixel loops downstream see one array type.
  const rendered = renderFrame(ds, decoded, new Uint8Array(into.buffer, into.byteOffset, into.length));
  const thumbSize = opts.thumbSize ?? 256;
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
  return {
    frame: decoded.frame,
    rows: decoded.info.rows,
    columns: decoded.info.columns,
    bitsAllocated: decoded.info.bitsAllocated,
    bitsStored: decoded.info.bitsStored,
    samplesPerPixel: decoded.info.samplesPerPixel,
    photometric,
    pixelHash: hash,
    phash: phash(rendered),
    windowCenter: rendered.window.center,
    windowWidth: rendered.window.width,
    windowSource: rendered.window.source,
    thumbnail,
    ...(training === undefined ? {} : { training }),
  };
}

/** Names that say DICOM (.dcm, .dicom, .dic in any case). */
const DICOM_NAME = /\.(?:dcm|dicom|dic)$/iu;

/** Why bytes that do not parse are not DICOM, from their content alone (never a value from it). */
export function notDicomReason(b: Uint8Array): string {
  if (b.length === 0) return 'not DICOM: the file is empty';
  if (looksLikeText(b)) return 'not DICOM: a text file';
  return 'not DICOM: neither the DICM marker at byte 128 nor a dataset at the start';
}

/** No control character but white space in the first 4 KiB (random or binary bytes have many). */
function looksLikeText(b: Uint8Array): boolean {
  for (const c of b.subarray(0, 4096)) if (c < 0x09 || (c > 0x0d && c < 0x20) || c === 0x7f) return false;
  return true;
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
