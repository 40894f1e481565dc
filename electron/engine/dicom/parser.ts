/**
 * A small, defensive DICOM Part 10 parser. Every read is bounds-checked against the buffer; declared
 * lengths are only trusted after they are checked, never used to allocate, so a hostile file can at
 * worst produce a DicomError. Values stay zero-copy views into the source buffer.
 */
import { inflateRawSync, inflateSync } from 'node:zlib';
import { type CharacterSet, DEFAULT_CHARSET, decodeText, parseCharacterSet } from './charset.ts';
import { lookupTag } from './dictionary.ts';
import { DicomError, formatTag } from './errors.ts';
import {
  type DatasetEncoding,
  DEFLATED_EXPLICIT_VR_LE,
  EXPLICIT_VR_BE,
  EXPLICIT_VR_LE,
  IMPLICIT_VR_LE,
  encodingOf,
} from './transfer-syntax.ts';

export const UNDEFINED_LENGTH = 0xffffffff;
export const MAX_DEPTH = 64;
/** Inflated datasets larger than this are refused (a deflate bomb, not a radiograph). */
export const MAX_INFLATED_BYTES = 1 << 30;

export const TAG_ITEM = 0xfffee000;
export const TAG_ITEM_DELIMITER = 0xfffee00d;
export const TAG_SEQUENCE_DELIMITER = 0xfffee0dd;
export const TAG_PIXEL_DATA = 0x7fe00010;
export const TAG_SPECIFIC_CHARACTER_SET = 0x00080005;
export const TAG_TRANSFER_SYNTAX = 0x00020010;

const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(
    ' ',
  ),
);
/** VRs whose explicit form has 2 reserved bytes and a 4-byte length (PS3.5 7.1.2). */
const LONG_VRS = new Set('OB OD OF OL OV OW SQ SV UC UN UR UT UV'.split(' '));

export interface Fragment {
  /** Offset of the fragment's bytes in the dataset's source buffer. */
  offset: number;
  length: number;
}

export interface EncapsulatedPixelData {
  /** Basic Offset Table entries (relative to the first fragment's item tag); empty when absent. */
  offsetTable: number[];
  fragments: Fragment[];
}

export interface DicomElement {
  tag: number;
  vr: string;
  /** Declared value length; UNDEFINED_LENGTH for undefined-length sequences and encapsulated pixels. */
  length: number;
  /** Offset of the value in the dataset's source buffer. */
  offset: number;
  /** Zero-copy view of the value (empty for sequences, encapsulated or not-read pixel data). */
  value: Uint8Array;
  littleEndian: boolean;
  items?: DicomDataset[];
  encapsulated?: EncapsulatedPixelData;
  /** True when parsing stopped at this element (pixel data) without reading its value. */
  notRead?: boolean;
}

export interface DicomDataset {
  elements: Map<number, DicomElement>;
  charset: CharacterSet;
  /** Buffer the element offsets refer to (the inflated bytes for a deflated file). */
  source: Uint8Array;
}

export type DicomLayout = 'part10' | 'meta-without-preamble' | 'raw-dataset';

export interface DicomFile {
  layout: DicomLayout;
  /** File meta information (group 0002); empty for raw datasets. */
  meta: DicomDataset;
  dataset: DicomDataset;
  transferSyntax: string;
  /** Structural oddities tolerated while parsing (never values). */
  warnings: string[];
}

export interface ParseOptions {
  /** Stop at top-level Pixel Data: record its offset and length without reading or checking it. */
  stopAtPixelData?: boolean;
}

interface Ctx {
  bytes: Uint8Array;
  view: DataView;
  warnings: string[];
  stopAtPixelData: boolean;
}

function makeCtx(bytes: Uint8Array, warnings: string[], stopAtPixelData: boolean): Ctx {
  return {
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    warnings,
    stopAtPixelData,
  };
}

const u16 = (c: Ctx, pos: number, le: boolean): number => c.view.getUint16(pos, le);
const u32 = (c: Ctx, pos: number, le: boolean): number => c.view.getUint32(pos, le);
const tagAt = (c: Ctx, pos: number, le: boolean): number =>
  ((u16(c, pos, le) << 16) | u16(c, pos + 2, le)) >>> 0;

function vrAt(c: Ctx, pos: number): string {
  return String.fromCharCode(c.bytes[pos] ?? 0, c.bytes[pos + 1] ?? 0);
}

function truncated(what: string, declared: number, remain: number): DicomError {
  return new DicomError('corrupt', `truncated: ${what} declares ${declared} bytes, ${remain} remain`);
}

/** VR for an implicit-VR element: dictionary, else the structural conventions. */
function implicitVr(tag: number): string {
  const entry = lookupTag(tag);
  if (entry !== undefined) return entry.vr;
  const elem = tag & 0xffff;
  if (elem === 0) return 'UL'; // group length
  if ((tag >>> 16) % 2 === 1 && elem >= 0x10 && elem <= 0xff) return 'LO'; // private creator
  return 'UN';
}

function parseDataset(
  c: Ctx,
  start: number,
  end: number,
  enc: DatasetEncoding,
  depth: number,
  charset: CharacterSet,
  untilItemDelimiter: boolean,
  onlyGroup?: number,
): { dataset: DicomDataset; pos: number } {
  const ds: DicomDataset = { elements: new Map(), charset, source: c.bytes };
  const le = enc.littleEndian;
  let pos = start;
  while (pos < end) {
    const remain = end - pos;
    if (remain < 8) {
      if (depth === 0 && !untilItemDelimiter) {
        c.warnings.push(`ignored ${remain} trailing bytes`);
        return { dataset: ds, pos: end };
      }
      throw new DicomError('corrupt', `truncated: element header needs 8 bytes, ${remain} remain`);
    }
    const tag = tagAt(c, pos, le);
    if (onlyGroup !== undefined && tag >>> 16 !== onlyGroup) break;
    if (tag === TAG_ITEM_DELIMITER) {
      pos += 8;
      if (untilItemDelimiter) return { dataset: ds, pos };
      c.warnings.push('ignored stray item delimiter');
      continue;
    }
    if (tag === TAG_SEQUENCE_DELIMITER) {
      // A sequence delimiter where an item delimiter belongs: treat it as closing the item too.
      if (untilItemDelimiter) return { dataset: ds, pos };
      c.warnings.push('ignored stray sequence delimiter');
      pos += 8;
      continue;
    }
    if (tag === TAG_ITEM) {
      // A writer's slip (an item after a zero-length sequence, a sequence header lost): an item of defined
      // length is stepped over, as pydicom does, so the rest of the file is still read.
      const length = u32(c, pos + 4, le);
      if (length === UNDEFINED_LENGTH || length > remain - 8)
        throw new DicomError('corrupt', `item tag outside a sequence at offset ${pos}`);
      c.warnings.push(`skipped an item outside any sequence at offset ${pos}`);
      pos += 8 + length;
      continue;
    }

    let vr: string;
    let length: number;
    let valuePos: number;
    let explicit = enc.explicitVr;
    if (explicit) {
      vr = vrAt(c, pos + 4);
      if (!VRS.has(vr)) {
        if (/^[A-Z]{2}$/.test(vr)) {
          c.warnings.push(`unknown VR ${vr} in ${formatTag(tag)} read as UN`);
          vr = 'UN'; // future VRs use the long form
        } else {
          explicit = false; // garbage VR bytes: the element is most likely implicit-encoded
          c.warnings.push(`invalid VR bytes in ${formatTag(tag)}; read as implicit VR`);
        }
      }
    } else vr = '';
    if (explicit && LONG_VRS.has(vr)) {
      if (remain < 12) throw new DicomError('corrupt', `truncated: element ${formatTag(tag)} header cut off`);
      length = u32(c, pos + 8, le);
      valuePos = pos + 12;
    } else if (explicit) {
      length = u16(c, pos + 6, le);
      valuePos = pos + 8;
    } else {
      vr = implicitVr(tag);
      length = u32(c, pos + 4, le);
      valuePos = pos + 8;
    }

    const el: DicomElement = {
      tag,
      vr,
      length,
      offset: valuePos,
      value: c.bytes.subarray(0, 0),
      littleEndian: le,
    };

    if (tag === TAG_PIXEL_DATA && depth === 0 && c.stopAtPixelData) {
      el.notRead = true;
      ds.elements.set(tag, el);
      return { dataset: ds, pos: valuePos };
    }

    if (length === UNDEFINED_LENGTH) {
      if (tag === TAG_PIXEL_DATA) {
        const r = parseEncapsulated(c, valuePos, end, le);
        el.encapsulated = r.encapsulated;
        pos = r.pos;
      } else if (vr === 'SQ' || vr === 'UN' || !explicit) {
        // CP-246: an undefined-length UN holds a sequence encoded as implicit VR little endian.
        const seqEnc: DatasetEncoding =
          explicit && vr === 'UN' ? { explicitVr: false, littleEndian: true, deflated: false } : enc;
        const r = parseSequence(c, tag, valuePos, end, seqEnc, depth, ds.charset, true);
        el.vr = 'SQ';
        el.items = r.items;
        pos = r.pos;
      } else {
        throw new DicomError('corrupt', `element ${formatTag(tag)} with VR ${vr} has undefined length`);
      }
    } else {
      const avail = end - valuePos;
      if (length > avail) throw truncated(`element ${formatTag(tag)}`, length, avail);
      if (length % 2 === 1) c.warnings.push(`odd length ${length} in ${formatTag(tag)}`);
      if (vr === 'SQ') {
        el.items = parseSequence(c, tag, valuePos, valuePos + length, enc, depth, ds.charset, false).items;
      } else {
        el.value = c.bytes.subarray(valuePos, valuePos + length);
        if (explicit && vr === 'UN') readUnAsDictionaryVr(c, el, depth, ds.charset);
      }
      pos = valuePos + length;
    }

    if (tag === TAG_SPECIFIC_CHARACTER_SET) {
      ds.charset = parseCharacterSet(splitValues(decodeText(el.value, DEFAULT_CHARSET)));
      if (ds.charset.codeExtensions) c.warnings.push('ISO 2022 code extensions decoded best-effort');
      if (ds.charset.unknown.length > 0)
        c.warnings.push(`unknown character set ${ds.charset.unknown.join('\\')} decoded as latin1`);
    }
    ds.elements.set(tag, el);
  }
  if (untilItemDelimiter && onlyGroup === undefined) {
    throw new DicomError('corrupt', 'truncated: undefined-length item has no item delimiter');
  }
  return { dataset: ds, pos };
}

/**
 * A standard attribute stored as UN (what an implicit-VR hop through a PACS leaves behind) is read with the
 * data dictionary's VR, so rescale, window, LUTs and text are seen as they were written. A UN value is
 * encoded as in implicit VR little endian (PS3.5 6.2.2), so a sequence's items are parsed that way; one
 * that does not parse stays UN rather than failing the file.
 */
function readUnAsDictionaryVr(c: Ctx, el: DicomElement, depth: number, charset: CharacterSet): void {
  const vr = lookupTag(el.tag)?.vr;
  if (vr === undefined || vr === 'UN') return;
  if (vr !== 'SQ') {
    el.vr = vr;
    return;
  }
  const implicitLe: DatasetEncoding = { explicitVr: false, littleEndian: true, deflated: false };
  try {
    const end = el.offset + el.value.length;
    el.items = parseSequence(c, el.tag, el.offset, end, implicitLe, depth, charset, false).items;
    el.vr = 'SQ';
    el.value = c.bytes.subarray(0, 0);
  } catch (err) {
    if (!(err instanceof DicomError)) throw err;
    c.warnings.push(`sequence ${formatTag(el.tag)} stored as UN could not be read; kept as UN`);
  }
}

function parseSequence(
  c: Ctx,
  seqTag: number,
  start: number,
  end: number,
  enc: DatasetEncoding,
  depth: number,
  charset: CharacterSet,
  undefinedLength: boolean,
): { items: DicomDataset[]; pos: number } {
  if (depth + 1 > MAX_DEPTH) {
    throw new DicomError(
      'corrupt',
      `sequences nested deeper than ${MAX_DEPTH} levels at ${formatTag(seqTag)}`,
    );
  }
  const le = enc.littleEndian;
  const items: DicomDataset[] = [];
  let pos = start;
  while (pos < end) {
    if (end - pos < 8)
      throw new DicomError('corrupt', `truncated: sequence ${formatTag(seqTag)} item cut off`);
    const tag = tagAt(c, pos, le);
    const length = u32(c, pos + 4, le);
    if (tag === TAG_SEQUENCE_DELIMITER) return { items, pos: pos + 8 };
    if (tag !== TAG_ITEM) {
      throw new DicomError(
        'corrupt',
        `sequence ${formatTag(seqTag)} holds ${formatTag(tag)} where an item belongs`,
      );
    }
    if (length === UNDEFINED_LENGTH) {
      const r = parseDataset(c, pos + 8, end, enc, depth + 1, charset, true);
      items.push(r.dataset);
      pos = r.pos;
    } else {
      const avail = end - (pos + 8);
      if (length > avail) throw truncated(`item of sequence ${formatTag(seqTag)}`, length, avail);
      items.push(parseDataset(c, pos + 8, pos + 8 + length, enc, depth + 1, charset, false).dataset);
      pos += 8 + length;
    }
  }
  if (undefinedLength) {
    throw new DicomError('corrupt', `truncated: sequence ${formatTag(seqTag)} has no sequence delimiter`);
  }
  return { items, pos };
}

function parseEncapsulated(
  c: Ctx,
  start: number,
  end: number,
  le: boolean,
): { encapsulated: EncapsulatedPixelData; pos: number } {
  const fragments: Fragment[] = [];
  let offsetTable: number[] = [];
  let first = true;
  let pos = start;
  while (pos < end) {
    if (end - pos < 8) break;
    const tag = tagAt(c, pos, le);
    const length = u32(c, pos + 4, le);
    if (tag === TAG_SEQUENCE_DELIMITER) return { encapsulated: { offsetTable, fragments }, pos: pos + 8 };
    if (tag !== TAG_ITEM) {
      throw new DicomError(
        'corrupt',
        `encapsulated pixel data holds ${formatTag(tag)} where a fragment belongs`,
      );
    }
    const avail = end - (pos + 8);
    if (length === UNDEFINED_LENGTH || length > avail) {
      throw truncated('pixel data fragment', length === UNDEFINED_LENGTH ? -1 : length, avail);
    }
    if (first) {
      offsetTable = [];
      for (let i = 0; i + 4 <= length; i += 4) offsetTable.push(u32(c, pos + 8 + i, le));
      first = false;
    } else {
      fragments.push({ offset: pos + 8, length });
    }
    pos += 8 + length;
  }
  throw new DicomError('corrupt', 'truncated: encapsulated pixel data has no sequence delimiter');
}

/** Split a decoded multi-valued string on backslash. */
export function splitValues(text: string): string[] {
  return text.split('\\').map((v) => v.replace(/[\0 ]+$/, '').replace(/^ +/, ''));
}

const PLAUSIBLE_FIRST_GROUPS = new Set([0x0000, 0x0002, 0x0004, 0x0008, 0x0010, 0x0018, 0x0020, 0x0028]);

/** Guess how a dataset without a usable transfer syntax is encoded, from its first element. */
function sniffEncoding(bytes: Uint8Array, pos: number): string | null {
  if (bytes.length - pos < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + pos, bytes.byteLength - pos);
  const vr = String.fromCharCode(bytes[pos + 4] ?? 0, bytes[pos + 5] ?? 0);
  if (PLAUSIBLE_FIRST_GROUPS.has(view.getUint16(0, true)) && view.getUint16(0, true) !== 0) {
    if (VRS.has(vr)) return EXPLICIT_VR_LE;
    const len = view.getUint32(4, true);
    return len <= bytes.length - pos - 8 ? IMPLICIT_VR_LE : null;
  }
  if (PLAUSIBLE_FIRST_GROUPS.has(view.getUint16(0, false)) && view.getUint16(0, false) !== 0 && VRS.has(vr)) {
    return EXPLICIT_VR_BE;
  }
  return null;
}

function inflate(rest: Uint8Array): Uint8Array {
  const opts = { maxOutputLength: MAX_INFLATED_BYTES };
  try {
    return inflateRawSync(rest, opts);
  } catch (rawErr) {
    try {
      return inflateSync(rest, opts); // some writers wrap the deflate stream in zlib framing
    } catch {
      const msg = rawErr instanceof Error ? rawErr.message : String(rawErr);
      throw new DicomError('corrupt', `deflated dataset could not be inflated: ${msg}`);
    }
  }
}

/** Parse a whole DICOM file (or a raw dataset without preamble/meta). */
export function parseDicom(input: Uint8Array, options: ParseOptions = {}): DicomFile {
  const bytes = input;
  const warnings: string[] = [];
  const stop = options.stopAtPixelData === true;
  const c = makeCtx(bytes, warnings, stop);
  const emptyMeta: DicomDataset = { elements: new Map(), charset: DEFAULT_CHARSET, source: bytes };

  let layout: DicomLayout;
  let pos: number;
  const hasMagic =
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d;
  if (hasMagic) {
    layout = 'part10';
    pos = 132;
  } else if (bytes.length >= 8 && bytes[0] === 0x02 && bytes[1] === 0x00 && VRS.has(vrAt(c, 4))) {
    layout = 'meta-without-preamble';
    pos = 0;
  } else {
    const ts = sniffEncoding(bytes, 0);
    if (ts === null) throw new DicomError('not-dicom', 'not a DICOM file');
    layout = 'raw-dataset';
    return finish(c, layout, emptyMeta, ts, 0, warnings);
  }

  let meta = emptyMeta;
  if (bytes.length - pos >= 8 && u16(c, pos, true) === 0x0002) {
    // Group 0002 is always explicit VR little endian; a few writers got that wrong, so sniff.
    const metaExplicit = VRS.has(vrAt(c, pos + 4));
    if (!metaExplicit) warnings.push('file meta information is implicit VR');
    const r = parseDataset(
      c,
      pos,
      bytes.length,
      { explicitVr: metaExplicit, littleEndian: true, deflated: false },
      0,
      DEFAULT_CHARSET,
      false,
      0x0002,
    );
    meta = r.dataset;
    pos = r.pos;
  } else {
    warnings.push('no file meta information');
  }

  const tsEl = meta.elements.get(TAG_TRANSFER_SYNTAX);
  let ts =
    tsEl === undefined
      ? ''
      : decodeText(tsEl.value, DEFAULT_CHARSET)
          .replace(/[\0 ]+$/, '')
          .trim();
  if (ts === '') {
    // Guess: a valid VR after the first tag means explicit VR little endian, else implicit.
    ts = sniffEncoding(bytes, pos) ?? (VRS.has(vrAt(c, pos + 4)) ? EXPLICIT_VR_LE : IMPLICIT_VR_LE);
    warnings.push('missing transfer syntax; encoding guessed');
  }
  return finish(c, layout, meta, ts, pos, warnings);
}

function finish(
  c: Ctx,
  layout: DicomLayout,
  meta: DicomDataset,
  ts: string,
  pos: number,
  warnings: string[],
): DicomFile {
  const enc = encodingOf(ts);
  let ctx = c;
  let start = pos;
  if (enc.deflated || ts === DEFLATED_EXPLICIT_VR_LE) {
    ctx = makeCtx(inflate(c.bytes.subarray(pos)), warnings, c.stopAtPixelData);
    start = 0;
  }
  const { dataset } = parseDataset(ctx, start, ctx.bytes.length, enc, 0, DEFAULT_CHARSET, false);
  return { layout, meta, dataset, transferSyntax: ts, warnings };
}
