/** The Image Pixel module (PS3.3 C.7.6.3) read and validated, so decoders can trust it. */
import { DicomError, quotedPhotometric } from './errors.ts';
import type { DicomDataset } from './parser.ts';
import { getNumber, getString } from './values.ts';

export interface PixelInfo {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  photometric: string;
  planarConfiguration: number;
  numberOfFrames: number;
  /** Float (32-bit) or Double Float (64-bit) Pixel Data: IEEE samples, no Bits Stored or sign to apply. */
  float?: boolean;
}

const SUPPORTED_BITS = new Set([1, 8, 16, 32]);
export const TAG_FLOAT_PIXEL_DATA = 0x7fe00008;
export const TAG_DOUBLE_FLOAT_PIXEL_DATA = 0x7fe00009;
/** Far beyond any radiograph; stops a forged header from asking us to allocate gigabytes. */
export const MAX_SAMPLES_PER_FRAME = 2 ** 28;
/** Over all frames: 16 times a large CT series in one file. Checked before any frame is decoded. */
export const MAX_SAMPLES_PER_FILE = 2 ** 32;

export function readPixelInfo(ds: DicomDataset): PixelInfo {
  const rows = getNumber(ds, 0x00280010) ?? 0;
  const columns = getNumber(ds, 0x00280011) ?? 0;
  if (rows < 1 || columns < 1)
    throw new DicomError('corrupt', `image has ${rows} rows and ${columns} columns`);
  const samplesPerPixel = getNumber(ds, 0x00280002) ?? 1;
  const photometric = (
    getString(ds, 0x00280004) ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')
  ).toUpperCase();
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw new DicomError('unsupported', `unsupported samples per pixel ${samplesPerPixel}`);
  }
  const float = ds.elements.has(TAG_FLOAT_PIXEL_DATA) || ds.elements.has(TAG_DOUBLE_FLOAT_PIXEL_DATA);
  if (float) return readFloatPixelInfo(ds, rows, columns, samplesPerPixel);
  const bitsAllocated = getNumber(ds, 0x00280100) ?? 0;
  if (!SUPPORTED_BITS.has(bitsAllocated)) {
    throw new DicomError('unsupported', `unsupported bits allocated ${bitsAllocated}`);
  }
  let bitsStored = getNumber(ds, 0x00280101) ?? bitsAllocated;
  if (bitsStored < 1 || bitsStored > bitsAllocated) bitsStored = bitsAllocated; // a lie we can survive
  let highBit = getNumber(ds, 0x00280102) ?? bitsStored - 1;
  if (highBit < bitsStored - 1 || highBit >= bitsAllocated) highBit = bitsStored - 1;
  const pixelRepresentation = getNumber(ds, 0x00280103) === 1 ? 1 : 0;
  const planarConfiguration = samplesPerPixel > 1 && getNumber(ds, 0x00280006) === 1 ? 1 : 0;
  const numberOfFrames = framesOf(ds);
  checkSize(rows, columns, samplesPerPixel, numberOfFrames);
  const isColor = samplesPerPixel === 3;
  const isMono = photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2';
  if (isMono === isColor && photometric !== 'PALETTE COLOR') {
    throw new DicomError(
      'corrupt',
      `photometric interpretation ${quotedPhotometric(photometric)} with ${samplesPerPixel} samples per pixel`,
    );
  }
  return {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation,
    photometric,
    planarConfiguration,
    numberOfFrames,
    float: false,
  };
}

function framesOf(ds: DicomDataset): number {
  const frames = Math.trunc(getNumber(ds, 0x00280008) ?? 1);
  return frames >= 1 ? frames : 1;
}

function checkSize(rows: number, columns: number, samplesPerPixel: number, numberOfFrames: number): void {
  if (rows * columns * samplesPerPixel > MAX_SAMPLES_PER_FRAME) {
    throw new DicomError(
      'unsupported',
      `frame of ${rows}x${columns}x${samplesPerPixel} samples is too large`,
    );
  }
  const declared = rows * columns * samplesPerPixel * numberOfFrames;
  if (declared > MAX_SAMPLES_PER_FILE) {
    throw new DicomError(
      'unsupported',
      `too large: declares ${declared} samples (${numberOfFrames} frames of ${rows}x${columns}x${samplesPerPixel})`,
    );
  }
}

/**
 * Float Pixel Data holds 32-bit and Double Float Pixel Data 64-bit IEEE samples (PS3.3 C.7.6.24): one
 * sample per pixel, MONOCHROME2, real values with no Bits Stored, High Bit or Pixel Representation.
 */
function readFloatPixelInfo(
  ds: DicomDataset,
  rows: number,
  columns: number,
  samplesPerPixel: number,
): PixelInfo {
  const bitsAllocated = ds.elements.has(TAG_DOUBLE_FLOAT_PIXEL_DATA) ? 64 : 32;
  if (samplesPerPixel !== 1) {
    throw new DicomError('corrupt', `float pixel data with ${samplesPerPixel} samples per pixel`);
  }
  const numberOfFrames = framesOf(ds);
  checkSize(rows, columns, 1, numberOfFrames);
  return {
    rows,
    columns,
    samplesPerPixel: 1,
    bitsAllocated,
    bitsStored: bitsAllocated,
    highBit: bitsAllocated - 1,
    pixelRepresentation: 1,
    photometric: 'MONOCHROME2',
    planarConfiguration: 0,
    numberOfFrames,
    float: true,
  };
}

/** Bytes one native (uncompressed) frame occupies; fractional for 1-bit data. */
export function nativeFrameBits(info: PixelInfo): number {
  if (info.photometric === 'YBR_FULL_422') return info.rows * info.columns * 2 * info.bitsAllocated;
  return info.rows * info.columns * info.samplesPerPixel * info.bitsAllocated;
}
