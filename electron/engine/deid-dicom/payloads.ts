/**
 * Bytes around the pixels that can carry text: what follows the last pixel of native Pixel Data, and the
 * comment (COM), application (APPn) and post-EOI bytes of encapsulated JPEG / JPEG-LS frames (EXIF, vendor
 * tags, free text), and the COM segments and post-EOC bytes of JPEG 2000 frames. Native data is cut at its declared length; JPEG frames keep only the markers a decoder
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

/** JPEG 2000 (and High-Throughput JPEG 2000) codestreams. */
const J2K_SYNTAXES = new Set([
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.91',
  '1.2.840.10008.1.2.4.201',
  '1.2.840.10008.1.2.4.202',
  '1.2.840.10008.1.2.4.203',
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

/** A bare JFIF APP0: version 1.1, no density units, 1:1, no thumbnail. */
const JFIF_APP0 = Buffer.from('ffe000104a46494600010100000100010000', 'hex');

/** Adobe APP14 with version 100, no flags, and the colour transform the decoder needs. */
const adobeApp14 = (transform: number): Uint8Array =>
  Buffer.concat([Buffer.from('ffee000e41646f626500640000000000', 'hex'), Uint8Array.of(transform)]);

const startsWith = (b: Uint8Array, at: number, ascii: string): boolean =>
  [...ascii].every((ch, i) => b[at + i] === ch.charCodeAt(0));

/** A byte range of a codestream that holds no pixels, with the marker that opens it (0 for a tail). */
export interface SideSpan {
  start: number;
  end: number;
  marker: number;
  /** JPEG 2000: offset of the SOT of the tile-part whose header holds the span (absent in the main header). */
  tilePart?: number;
}

const be16 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);

/**
 * The COM and APPn segments (marker included) of one JPEG / JPEG-LS codestream (a fragment starting with SOI)
 * and whatever follows its EOI. A codestream continued in later fragments is read as far as this one goes.
 */
export function jpegSideSpans(src: Uint8Array): SideSpan[] {
  const spans: SideSpan[] = [];
  if (src[0] !== 0xff || src[1] !== 0xd8) return spans;
  let i = 2;
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
      if (i + 2 < src.length) spans.push({ start: i + 2, end: src.length, marker: 0 });
      break;
    }
    const end = Math.min(i + 2 + be16(src, i + 2), src.length);
    if (marker === 0xfe || (marker >= 0xe0 && marker <= 0xef)) spans.push({ start: i, end, marker });
    i = end;
  }
  return spans;
}

/**
 * The COM segments of one JPEG 2000 codestream (a fragment starting with SOC), in the main header and in
 * each tile-part header, and whatever follows its EOC.
 */
export function j2kSideSpans(src: Uint8Array): SideSpan[] {
  const spans: SideSpan[] = [];
  if (src[0] !== 0xff || src[1] !== 0x4f) return spans;
  let i = 2;
  let tilePartEnd = src.length;
  let tilePart: number | undefined;
  while (i + 3 < src.length) {
    const marker = be16(src, i);
    if (marker === 0xffd9) {
      if (i + 2 < src.length) spans.push({ start: i + 2, end: src.length, marker: 0 });
      break;
    }
    if (marker === 0xff93) {
      i = tilePartEnd; // SOD: the tile-part's bitstream runs to the end Psot gives
      continue;
    }
    if ((marker & 0xff00) !== 0xff00) break; // not a marker: a codestream we cannot follow
    const end = Math.min(i + 2 + be16(src, i + 2), src.length);
    if (marker === 0xff90) {
      tilePart = i;
      const psot = (((src[i + 6] ?? 0) << 24) | ((src[i + 7] ?? 0) << 16) | be16(src, i + 8)) >>> 0;
      tilePartEnd = psot === 0 ? src.length - 2 : Math.min(i + psot, src.length);
    }
    if (marker === 0xff64)
      spans.push({ start: i, end, marker: 0x64, ...(tilePart === undefined ? {} : { tilePart }) });
    i = end;
  }
  return spans;
}

/** JPEG codestream without its side spans (a bare JFIF APP0 and the Adobe flag rewritten in place). */
export function stripJpegText(src: Uint8Array): Uint8Array {
  const spans = jpegSideSpans(src);
  if (spans.length === 0) return src;
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const span of spans) {
    parts.push(src.subarray(at, span.start));
    if (span.marker === 0xe0 && startsWith(src, span.start + 4, 'JFIF\0')) parts.push(JFIF_APP0);
    if (span.marker === 0xee && startsWith(src, span.start + 4, 'Adobe') && span.end - span.start >= 16)
      parts.push(adobeApp14(src[span.start + 15] ?? 0));
    at = span.end;
  }
  parts.push(src.subarray(at));
  return Buffer.concat(parts);
}

/** JPEG 2000 codestream without COM segments; each tile-part's length (Psot) shrinks by what left it. */
export function stripJ2kText(src: Uint8Array): Uint8Array {
  const spans = j2kSideSpans(src);
  if (spans.length === 0) return src;
  const out = Buffer.from(src);
  for (const span of spans) {
    if (span.tilePart === undefined) continue;
    const psot = out.readUInt32BE(span.tilePart + 6);
    if (psot !== 0) out.writeUInt32BE(psot - (span.end - span.start), span.tilePart + 6);
  }
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const span of spans) {
    parts.push(out.subarray(at, span.start));
    at = span.end;
  }
  parts.push(out.subarray(at));
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
  const strip = JPEG_MARKER_SYNTAXES.has(transferSyntax)
    ? stripJpegText
    : J2K_SYNTAXES.has(transferSyntax)
      ? stripJ2kText
      : undefined;
  if (strip === undefined) return { offsetTable: enc.offsetTable, fragments: original };
  const fragments = original.map(strip);
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
