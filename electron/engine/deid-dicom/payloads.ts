/**
 * Bytes around the pixels that can carry text: what follows the last pixel of native Pixel Data, and the
 * comment (COM), application (APPn) and post-EOI bytes of encapsulated JPEG / JPEG-LS frames (EXIF, vendor
 * tags, free text). Native data is cut at its declared length; JPEG frames keep only the markers a decoder
 * needs (a bare JFIF APP0 and the Adobe APP14 colour-transform flag are rewritten in their canonical form).
 */
import { type DicomDataset, type DicomElement, readPixelInfo } from '../dicom/index.ts';
import { nativeFrameBits } from '../dicom/pixel-info.ts';
import type { OutEncapsulated } from './writer.ts';

/** JPEG baseline/extended/lossless and JPEG-LS: the marker syntax of ITU T.81 / T.87. */
const JPEG_MARKER_SYNTAXES = new Set([
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.81',
]);

/** Native Pixel Data cut to the length the Image Pixel module declares (trailing bytes are dropped). */
export function nativePixelValue(ds: DicomDataset, el: DicomElement): Uint8Array {
  let expected: number;
  try {
    const info = readPixelInfo(ds);
    expected = Math.ceil((nativeFrameBits(info) * info.numberOfFrames) / 8);
  } catch {
    return el.value; // decoding refuses such a file before export; nothing to measure against
  }
  return el.value.length > expected ? el.value.subarray(0, expected) : el.value;
}

const JFIF_APP0 = Uint8Array.from([
  0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
]);

function adobeApp14(transform: number): Uint8Array {
  // "Adobe", version 100, flags 0 and 0, then the colour transform the decoder needs.
  return Uint8Array.from([
    0xff,
    0xee,
    0x00,
    0x0e,
    0x41,
    0x64,
    0x6f,
    0x62,
    0x65,
    0x00,
    0x64,
    0x00,
    0x00,
    0x00,
    0x00,
    transform,
  ]);
}

const startsWith = (b: Uint8Array, at: number, ascii: string): boolean =>
  [...ascii].every((ch, i) => b[at + i] === ch.charCodeAt(0));

/**
 * One JPEG codestream (a fragment starting with SOI) without COM/APPn segments and without anything after
 * EOI. A codestream continued in later fragments keeps its entropy-coded tail as it is.
 */
export function stripJpegText(src: Uint8Array): Uint8Array {
  if (src[0] !== 0xff || src[1] !== 0xd8) return src;
  const parts: Uint8Array[] = [src.subarray(0, 2)];
  let i = 2;
  let segmentStart = 2;
  while (i + 1 < src.length) {
    if (src[i] !== 0xff) {
      i++; // entropy-coded data
      continue;
    }
    const marker = src[i + 1] ?? 0;
    if (marker === 0x00 || marker === 0xff || (marker >= 0xd0 && marker <= 0xd7)) {
      i += marker === 0xff ? 1 : 2; // stuffed byte, fill byte, restart marker
      continue;
    }
    if (marker === 0xd9) {
      parts.push(src.subarray(segmentStart, i + 2));
      return Buffer.concat(parts);
    }
    const length = ((src[i + 2] ?? 0) << 8) | (src[i + 3] ?? 0);
    const end = i + 2 + length;
    const isApp = marker >= 0xe0 && marker <= 0xef;
    if (marker === 0xfe || isApp) {
      parts.push(src.subarray(segmentStart, i));
      if (marker === 0xe0 && startsWith(src, i + 4, 'JFIF\0')) parts.push(JFIF_APP0);
      if (marker === 0xee && startsWith(src, i + 4, 'Adobe') && length >= 12) {
        parts.push(adobeApp14(src[i + 15] ?? 0));
      }
      segmentStart = Math.min(end, src.length);
    }
    i = end;
  }
  parts.push(src.subarray(segmentStart));
  return Buffer.concat(parts);
}

/** Encapsulated Pixel Data with JPEG text segments removed and the Basic Offset Table recomputed. */
export function cleanEncapsulated(
  ds: DicomDataset,
  el: DicomElement,
  transferSyntax: string,
): OutEncapsulated | undefined {
  const enc = el.encapsulated;
  if (enc === undefined) return undefined;
  const original = enc.fragments.map((f) => ds.source.subarray(f.offset, f.offset + f.length));
  if (!JPEG_MARKER_SYNTAXES.has(transferSyntax)) return { offsetTable: enc.offsetTable, fragments: original };
  const fragments = original.map(stripJpegText);
  if (enc.offsetTable.length === 0) return { offsetTable: [], fragments };
  // Old offsets point at item tags (8 bytes before each fragment value); map each to its fragment index.
  const base = (enc.fragments[0]?.offset ?? 8) - 8;
  const newStart: number[] = [];
  let pos = 0;
  for (const f of fragments) {
    newStart.push(pos);
    pos += 8 + f.length + (f.length % 2);
  }
  const offsetTable = enc.offsetTable.map((off) => {
    const index = enc.fragments.findIndex((f) => f.offset - 8 - base === off);
    return index < 0 ? off : (newStart[index] ?? off);
  });
  return { offsetTable, fragments };
}
