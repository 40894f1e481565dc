/**
 * Every text an exported DICOM file carries, for the leak gate: each element at every depth of the meta
 * and the dataset (sequences, private blocks), the readable runs of binary values (OB/OW/UN, ICC profiles,
 * overlays), the bytes after the last pixel of native Pixel Data, and the comment, application and
 * post-EOI bytes of JPEG and JPEG 2000 frames (found as de-identification strips them, payloads.ts).
 * Records are tag paths (`(0008,1140)[0](0008,0104)`), never values.
 */
import {
  type DicomDataset,
  type DicomElement,
  elementStrings,
  formatTag,
  lookupTag,
  parseDicom,
  readPixelInfo,
  TEXT_VRS,
} from '../dicom/index.ts';
import { nativeFrameBits } from '../dicom/pixel-info.ts';
import { j2kSideSpans, jpegSideSpans } from '../deid-dicom/payloads.ts';
import type { ScanItem } from './index.ts';

const TAG_PIXEL_DATA = 0x7fe00010;
/** Value representations whose bytes are numbers, not characters. */
const NUMERIC_VRS = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'SV', 'UV', 'AT']);
const ASCII_RUN = /[\x20-\x7e]{4,}/gu;
const NON_ASCII_WORDS = /[^\p{ASCII}\p{Cc}\s\ufffd]+/gu;

/** The readable text in arbitrary bytes: ASCII runs, UTF-16LE runs and UTF-8 non-ASCII words. */
export function readableRuns(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const runs = [
    ...(b.toString('latin1').match(ASCII_RUN) ?? []),
    ...(b.toString('utf16le').match(ASCII_RUN) ?? []),
    ...(b.subarray(1).toString('utf16le').match(ASCII_RUN) ?? []),
    ...(b.toString('utf8').match(NON_ASCII_WORDS) ?? []),
  ];
  return runs.join('\n');
}

function pixelSideBytes(ds: DicomDataset, el: DicomElement): Uint8Array[] {
  if (el.encapsulated !== undefined) {
    return el.encapsulated.fragments.flatMap((f) => {
      const src = ds.source.subarray(f.offset, f.offset + f.length);
      return [...jpegSideSpans(src), ...j2kSideSpans(src)].map((span) => src.subarray(span.start, span.end));
    });
  }
  try {
    const info = readPixelInfo(ds);
    const expected = Math.ceil((nativeFrameBits(info) * info.numberOfFrames) / 8);
    return el.value.length > expected + 1 ? [el.value.subarray(expected)] : [];
  } catch {
    return [el.value];
  }
}

function walk(file: string, ds: DicomDataset, parent: string, top: boolean, out: ScanItem[]): void {
  for (const el of ds.elements.values()) {
    const record = `${parent}${formatTag(el.tag)}`;
    if (el.items !== undefined) {
      el.items.forEach((item, i) => walk(file, item, `${record}[${i}]`, false, out));
      continue;
    }
    let text: string;
    if (top && el.tag === TAG_PIXEL_DATA) text = pixelSideBytes(ds, el).map(readableRuns).join('\n');
    else {
      const vr = el.vr === '' || el.vr === 'UN' ? (lookupTag(el.tag)?.vr ?? 'UN') : el.vr;
      if (NUMERIC_VRS.has(vr)) continue;
      text = TEXT_VRS.has(vr) ? elementStrings(ds, { ...el, vr }).join('\\') : readableRuns(el.value);
    }
    if (text !== '') out.push({ file, record, text });
  }
}

/** Scan items for one DICOM file of a bundle. */
export function dicomScanItems(file: string, bytes: Uint8Array): ScanItem[] {
  const parsed = parseDicom(bytes);
  const out: ScanItem[] = [];
  walk(file, parsed.meta, '', false, out);
  walk(file, parsed.dataset, '', true, out);
  return out;
}
