/** Typed access to element values, and the flat header the app displays. */
import { decodeText, DEFAULT_CHARSET } from './charset.ts';
import { lookupTag, tagOf } from './dictionary.ts';
import { formatTag } from './errors.ts';
import {
  type DicomDataset,
  type DicomElement,
  type DicomFile,
  TAG_PIXEL_DATA,
  splitValues,
} from './parser.ts';

/** VRs whose text goes through the Specific Character Set; the others are plain ASCII by definition. */
const CHARSET_VRS = new Set(['LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UT']);
/** Text VRs that hold one value in which a backslash is just a character. */
const SINGLE_VALUED_TEXT = new Set(['LT', 'ST', 'UT', 'UR']);
/** VRs whose value is text (as opposed to numbers, binary or sequences). */
export const TEXT_VRS: ReadonlySet<string> = new Set([
  'AE',
  'AS',
  'CS',
  'DA',
  'DS',
  'DT',
  'IS',
  'LO',
  'LT',
  'PN',
  'SH',
  'ST',
  'TM',
  'UC',
  'UI',
  'UR',
  'UT',
]);
const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN', 'SQ']);

export type TagRef = number | string;

function resolve(ref: TagRef): number | undefined {
  return typeof ref === 'number' ? ref >>> 0 : tagOf(ref);
}

export function getElement(ds: DicomDataset, ref: TagRef): DicomElement | undefined {
  const tag = resolve(ref);
  return tag === undefined ? undefined : ds.elements.get(tag);
}

/** All values of a text element, decoded and trimmed; [] when absent or empty. */
export function elementStrings(ds: DicomDataset, el: DicomElement): string[] {
  if (el.value.length === 0) return [];
  const text = decodeText(el.value, CHARSET_VRS.has(el.vr) ? ds.charset : DEFAULT_CHARSET);
  if (SINGLE_VALUED_TEXT.has(el.vr)) return [text.replace(/[\0 ]+$/, '')];
  return splitValues(text);
}

/** Numeric values of an element: binary VRs in the element's byte order, IS/DS parsed from text. */
export function elementNumbers(ds: DicomDataset, el: DicomElement): number[] {
  const v = el.value;
  const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const le = el.littleEndian;
  const read = (size: number, get: (off: number) => number): number[] => {
    const out: number[] = [];
    for (let off = 0; off + size <= v.length; off += size) out.push(get(off));
    return out;
  };
  switch (el.vr) {
    case 'US':
    case 'OW':
      return read(2, (o) => view.getUint16(o, le));
    case 'SS':
      return read(2, (o) => view.getInt16(o, le));
    case 'UL':
    case 'OL':
      return read(4, (o) => view.getUint32(o, le));
    case 'SL':
      return read(4, (o) => view.getInt32(o, le));
    case 'FL':
    case 'OF':
      return read(4, (o) => view.getFloat32(o, le));
    case 'FD':
    case 'OD':
      return read(8, (o) => view.getFloat64(o, le));
    case 'SV':
      return read(8, (o) => Number(view.getBigInt64(o, le)));
    case 'UV':
    case 'OV':
      return read(8, (o) => Number(view.getBigUint64(o, le)));
    case 'OB':
      return Array.from(v);
    case 'IS':
    case 'DS':
      return elementStrings(ds, el)
        .map((s) => (s.trim() === '' ? NaN : Number(s.trim())))
        .filter((n) => Number.isFinite(n));
    default:
      return [];
  }
}

export function getStrings(ds: DicomDataset, ref: TagRef): string[] {
  const el = getElement(ds, ref);
  return el === undefined ? [] : elementStrings(ds, el);
}

/** First value of a text element; undefined when absent or empty. */
export function getString(ds: DicomDataset, ref: TagRef): string | undefined {
  const first = getStrings(ds, ref)[0];
  return first === undefined || first === '' ? undefined : first;
}

export function getNumbers(ds: DicomDataset, ref: TagRef): number[] {
  const el = getElement(ds, ref);
  return el === undefined ? [] : elementNumbers(ds, el);
}

export function getNumber(ds: DicomDataset, ref: TagRef): number | undefined {
  return getNumbers(ds, ref)[0];
}

export function getItems(ds: DicomDataset, ref: TagRef): DicomDataset[] {
  return getElement(ds, ref)?.items ?? [];
}

export function keywordOf(tag: number): string {
  return lookupTag(tag)?.keyword ?? formatTag(tag);
}

export const HEADER_VALUE_LIMIT = 256;

/**
 * keyword → display value for top-level non-binary, non-sequence elements of meta and dataset
 * (unknown tags keyed as "(gggg,eeee)"; multi-values joined with backslash; long values truncated).
 */
export function flatHeader(file: DicomFile): Record<string, string> {
  const header: Record<string, string> = {};
  for (const ds of [file.meta, file.dataset]) {
    for (const el of ds.elements.values()) {
      if (el.tag === TAG_PIXEL_DATA || BINARY_VRS.has(el.vr) || el.items !== undefined) continue;
      let text: string;
      if (TEXT_VRS.has(el.vr)) text = elementStrings(ds, el).join('\\');
      else if (el.vr === 'AT') text = atValues(el).join('\\');
      else text = elementNumbers(ds, el).join('\\');
      if (text.length > HEADER_VALUE_LIMIT) text = `${text.slice(0, HEADER_VALUE_LIMIT)}…`;
      header[keywordOf(el.tag)] = text;
    }
  }
  return header;
}

function atValues(el: DicomElement): string[] {
  const v = el.value;
  const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const out: string[] = [];
  for (let o = 0; o + 4 <= v.length; o += 4) {
    const tag = ((view.getUint16(o, el.littleEndian) << 16) | view.getUint16(o + 2, el.littleEndian)) >>> 0;
    out.push(formatTag(tag));
  }
  return out;
}
