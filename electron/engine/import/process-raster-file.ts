/**
 * Per-file work of the import worker for PNG and JPEG images (PADCHEST's 16-bit PNGs, MIMIC-CXR-JPG,
 * manifests): decode with sharp at the file's own depth, hash the stored values in the same canonical form as
 * DICOM pixels (so a PNG and a DICOM holding the same values hash the same), and write a content-addressed
 * thumbnail.
 *
 * Thumbnails of 16-bit images are rendered by min–max scaling to 8 bits. PADCHEST's CSV does carry
 * WindowCenter/WindowWidth, but those describe the original DICOM values; the PNGs were already windowed and
 * rescaled to the full 16-bit range, so applying the CSV window to them would be wrong. 8-bit images are shown
 * as stored. Bad input never throws: it becomes a 'skipped' or 'error' result with a structural reason.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isMainThread } from 'node:worker_threads';
import sharp from 'sharp';
import { MAX_SAMPLES_PER_FRAME, pixelHash, type DecodedFrame, type PixelArray } from '../dicom/index.ts';
import { phash } from '../image/phash.ts';
import type { ProcessedFile, ProcessedFrame, ProcessedImage, ProcessOptions } from './process-dicom-file.ts';
import { writeThumbnail, type Rendered8 } from './thumbnail.ts';

export const RASTER_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg']);

let sharpConfigured = false;

export async function processRasterFile(absPath: string, opts: ProcessOptions): Promise<ProcessedFile> {
  if (!sharpConfigured) {
    if (!isMainThread) sharp.concurrency(1);
    sharpConfigured = true;
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(absPath);
  } catch (err) {
    return { kind: 'error', reason: `cannot read file (${errorCode(err)})` };
  }
  const format = sniff(bytes);
  if (!format) return { kind: 'skipped', reason: 'not a PNG or JPEG image' };
  let decoded: DecodedFrame;
  try {
    decoded = await decodeRaster(bytes);
  } catch (err) {
    return { kind: 'error', reason: `${format.toUpperCase()} cannot be decoded (${decodeFailure(err)})` };
  }
  const hash = pixelHash(decoded);
  const rendered = render8(decoded);
  let thumbnail: string;
  try {
    thumbnail = await writeThumbnail(opts.cacheDir, hash, rendered.image, opts.thumbSize ?? 256);
  } catch (err) {
    if (errorCode(err) !== 'unknown error')
      return { kind: 'error', reason: `cannot write thumbnail (${errorCode(err)})` };
    throw err;
  }
  const { info } = decoded;
  const frame: ProcessedFrame = {
    frame: 0,
    rows: info.rows,
    columns: info.columns,
    bitsAllocated: info.bitsAllocated,
    bitsStored: info.bitsStored,
    samplesPerPixel: info.samplesPerPixel,
    photometric: info.photometric,
    pixelHash: hash,
    // Same perceptual hash of the rendered 8-bit frame as the DICOM path, so near-duplicates match across formats.
    phash: phash(rendered.image),
    windowCenter: rendered.center,
    windowWidth: rendered.width,
    windowSource: 'min-max',
    thumbnail,
  };
  // Stand-ins for the DICOM identifiers a raster file lacks; the layout's keys replace them when it has them.
  const pathHash = createHash('sha256').update(absPath).digest('hex').slice(0, 32);
  const image: ProcessedImage = {
    kind: 'image',
    transferSyntax: format === 'png' ? 'image/png' : 'image/jpeg',
    sopClassUid: format === 'png' ? 'image/png' : 'image/jpeg',
    sopInstanceUid: `raster:${hash}`,
    studyInstanceUid: `missing:study:${pathHash}`,
    seriesInstanceUid: `missing:series:${pathHash}`,
    patientId: '',
    patientName: '',
    patientSex: null,
    patientBirthDate: null,
    studyDate: null,
    studyTime: null,
    accessionNumber: null,
    studyDescription: null,
    seriesNumber: null,
    instanceNumber: null,
    modality: null,
    bodyPart: null,
    viewPosition: null,
    header: {},
    frames: [frame],
  };
  return image;
}

function sniff(bytes: Buffer): 'png' | 'jpeg' | null {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a)
    return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/**
 * Stored values at the file's own precision: grey stays one sample (8 or 16 bits), colour becomes RGB unless
 * all three channels are equal (a grey image saved as colour), alpha is dropped.
 */
export async function decodeRaster(bytes: Buffer): Promise<DecodedFrame> {
  // failOn 'truncated' (sharp's default 'warning' also covers it): a cut file is an error, not a grey band.
  const meta = await sharp(bytes, { failOn: 'truncated' }).metadata();
  // The header's size is checked before decoding: a small file can declare gigapixels (a decompression bomb).
  const declared = (meta.width ?? 0) * (meta.height ?? 0) * (meta.channels ?? 1);
  if (declared > MAX_SAMPLES_PER_FRAME)
    throw new Error(`too large: declares ${meta.width}x${meta.height}x${meta.channels ?? 1} samples`);
  const sixteen = meta.depth === 'ushort';
  const colourChannels = (meta.channels ?? 1) - (meta.hasAlpha ? 1 : 0);
  const grey = colourChannels === 1;
  let pipeline = sharp(bytes, { failOn: 'truncated' });
  pipeline = grey ? pipeline.toColourspace(sixteen ? 'grey16' : 'b-w') : pipeline.removeAlpha();
  const { data, info } = await pipeline.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({
    resolveWithObject: true,
  });
  const copy = new Uint8Array(data.length);
  copy.set(data);
  let values: PixelArray = sixteen ? new Uint16Array(copy.buffer) : copy;
  let samples = info.channels;
  if (samples === 3 && channelsEqual(values)) {
    const one = sixteen ? new Uint16Array(values.length / 3) : new Uint8Array(values.length / 3);
    for (let i = 0; i < one.length; i++) one[i] = values[i * 3]!;
    values = one;
    samples = 1;
  }
  if (samples !== 1 && samples !== 3) throw new Error(`unexpected ${samples} channels`);
  const bits = sixteen ? 16 : 8;
  return {
    frame: 0,
    info: {
      rows: info.height,
      columns: info.width,
      samplesPerPixel: samples,
      bitsAllocated: bits,
      bitsStored: bits,
      highBit: bits - 1,
      pixelRepresentation: 0,
      photometric: samples === 1 ? 'MONOCHROME2' : 'RGB',
      planarConfiguration: 0,
      numberOfFrames: 1,
    },
    data: values,
  };
}

function channelsEqual(v: PixelArray): boolean {
  for (let i = 0; i < v.length; i += 3) if (v[i] !== v[i + 1] || v[i] !== v[i + 2]) return false;
  return true;
}

/** 8-bit rendering: 8-bit data as stored, 16-bit data min–max scaled. */
export function render8(d: DecodedFrame): { image: Rendered8; center: number | null; width: number | null } {
  const { rows, columns, samplesPerPixel, bitsAllocated } = d.info;
  const channels = samplesPerPixel === 3 ? 3 : 1;
  if (bitsAllocated === 8) {
    return {
      image: { width: columns, height: rows, channels, data: d.data as Uint8Array },
      center: null,
      width: null,
    };
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of d.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const out = new Uint8Array(d.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(((d.data[i]! - min) / span) * 255);
  return {
    image: { width: columns, height: rows, channels, data: out },
    center: (min + max) / 2,
    width: max - min + 1,
  };
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}

/**
 * Why a raster could not be decoded, in words that are the same on every run. Size refusals (ours, from the
 * header, and libvips' pixel limit) say so; anything else gets one fixed reason: libvips keeps its messages in
 * a process-wide buffer that another worker thread can empty first, so the same file read "libpng read error"
 * in one run and "Unknown error" in the next, and a resumed import disagreed with an uninterrupted one (found
 * by the kill harness).
 */
function decodeFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  if (message.startsWith('too large: ')) return message;
  if (/exceeds pixel limit/i.test(message)) return 'too large: over the pixel limit';
  return 'damaged or truncated data';
}
