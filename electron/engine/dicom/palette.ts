/**
 * PALETTE COLOR images (PS3.3 C.7.6.3.1.5-6): each stored value is an index into red, green and blue
 * lookup tables, given whole or segmented (C.7.9). The hash stays on the stored indices; rendering and the
 * detail view see the colours.
 */
import { DicomError } from './errors.ts';
import type { DicomDataset, DicomElement } from './parser.ts';
import type { DecodedFrame } from './pixels.ts';
import { getElement, getNumbers } from './values.ts';

export const PALETTE_COLOR = 'PALETTE COLOR';

interface Palette {
  /** Stored value that maps to the first entry (values below it map to the first, above the end to the last). */
  first: number;
  /** Bits per entry: 8 or 16. */
  bits: number;
  tables: [Uint16Array, Uint16Array, Uint16Array];
}

const DESCRIPTORS = [0x00281101, 0x00281102, 0x00281103];
const DATA = [0x00281201, 0x00281202, 0x00281203];
const SEGMENTED = [0x00281221, 0x00281222, 0x00281223];
/** Indirect segments may point at indirect segments; a loop of them must end. */
const MAX_INDIRECTION = 8;

function readPalette(ds: DicomDataset, signed: boolean): Palette {
  const [entriesRaw, firstRaw, bitsRaw] = getNumbers(ds, DESCRIPTORS[0]!);
  if (entriesRaw === undefined || firstRaw === undefined || bitsRaw === undefined) {
    throw new DicomError('corrupt', 'PALETTE COLOR image without a red palette descriptor');
  }
  // 0 entries means 65,536; the first mapped value is SS when the pixels are signed, whatever the VR said.
  const entries = entriesRaw === 0 ? 65536 : entriesRaw;
  const first = signed && firstRaw > 32767 ? firstRaw - 65536 : firstRaw;
  if (bitsRaw !== 8 && bitsRaw !== 16) {
    throw new DicomError('unsupported', `palette entries of ${bitsRaw} bits (8 or 16 are defined)`);
  }
  const tables = [0, 1, 2].map((c) => {
    const whole = getElement(ds, DATA[c]!);
    if (whole !== undefined && whole.value.length > 0) return wholeTable(whole, entries);
    const segmented = getElement(ds, SEGMENTED[c]!);
    if (segmented !== undefined && segmented.value.length > 0) {
      return Uint16Array.from(expandSegments(words(segmented, bitsRaw), entries));
    }
    throw new DicomError(
      'corrupt',
      `PALETTE COLOR image without ${['red', 'green', 'blue'][c]} palette data`,
    );
  }) as Palette['tables'];
  return { first, bits: bitsRaw, tables };
}

/**
 * Whole LUT data: one entry per word, or one per byte when the data is exactly as long as the table (8-bit
 * entries packed, as the standard now writes them). The data's length decides, as in pydicom.
 */
function wholeTable(el: DicomElement, entries: number): Uint16Array {
  const v = el.value;
  const out = new Uint16Array(entries);
  if (v.length >= entries * 2) {
    const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
    for (let i = 0; i < entries; i++) out[i] = view.getUint16(i * 2, el.littleEndian);
  } else if (v.length >= entries) {
    out.set(v.subarray(0, entries));
  } else {
    throw new DicomError('corrupt', `palette data holds ${v.length} bytes for ${entries} entries`);
  }
  return out;
}

/** Segmented data as its words: 16-bit words for 16-bit entries, bytes for 8-bit ones. */
function words(el: DicomElement, bits: number): number[] {
  if (bits === 8) return Array.from(el.value);
  const v = el.value;
  const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const out: number[] = [];
  for (let o = 0; o + 2 <= v.length; o += 2) out.push(view.getUint16(o, el.littleEndian));
  return out;
}

/**
 * Expand discrete (0), linear (1) and indirect (2) segments (PS3.3 C.7.9.2). A linear segment rounds its
 * steps half to even, as pydicom does; an indirect one replays segments found at an offset (in words) into
 * the data. The table stops at `entries` values.
 */
function expandSegments(data: number[], entries: number): number[] {
  const lut: number[] = [];
  const expand = (start: number, segments: number, depth: number): void => {
    if (depth > MAX_INDIRECTION) throw new DicomError('corrupt', 'segmented palette: indirect segments loop');
    let pos = start;
    for (let s = 0; s < segments && pos + 1 < data.length && lut.length < entries; s++) {
      const opcode = data[pos]!;
      const length = data[pos + 1]!;
      pos += 2;
      if (opcode === 0) {
        for (let k = 0; k < length && pos + k < data.length; k++) lut.push(data[pos + k]!);
        pos += length;
      } else if (opcode === 1) {
        const y0 = lut.at(-1);
        if (y0 === undefined)
          throw new DicomError('corrupt', 'segmented palette starts with a linear segment');
        const y1 = data[pos++] ?? y0;
        for (let k = 1; k <= length; k++) lut.push(roundHalfEven(y0 + ((y1 - y0) * k) / length));
      } else if (opcode === 2) {
        if (lut.length === 0)
          throw new DicomError('corrupt', 'segmented palette starts with an indirect segment');
        const offset = ((data[pos + 1] ?? 0) << 16) | (data[pos] ?? 0);
        pos += 2;
        expand(offset, length, depth + 1);
      } else {
        throw new DicomError('corrupt', `segmented palette has an unknown segment type ${opcode}`);
      }
    }
  };
  expand(0, Infinity, 0);
  if (lut.length === 0) throw new DicomError('corrupt', 'segmented palette holds no entries');
  return lut.slice(0, entries);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The colours of a decoded PALETTE COLOR frame: interleaved RGB at the palette's depth (8 or 16 bits per
 * sample), as pydicom's apply_color_lut gives them.
 */
export function paletteToRgb(ds: DicomDataset, decoded: DecodedFrame): DecodedFrame {
  const { info, data } = decoded;
  const palette = readPalette(ds, info.pixelRepresentation === 1);
  const n = data.length;
  const out = palette.bits === 8 ? new Uint8Array(n * 3) : new Uint16Array(n * 3);
  const [red, green, blue] = palette.tables;
  const last = Math.min(red.length, green.length, blue.length) - 1;
  for (let i = 0; i < n; i++) {
    const k = Math.min(Math.max(data[i]! - palette.first, 0), last);
    out[i * 3] = red[k]!;
    out[i * 3 + 1] = green[k]!;
    out[i * 3 + 2] = blue[k]!;
  }
  return {
    frame: decoded.frame,
    info: {
      ...info,
      samplesPerPixel: 3,
      photometric: 'RGB',
      bitsAllocated: palette.bits,
      bitsStored: palette.bits,
      highBit: palette.bits - 1,
      pixelRepresentation: 0,
      planarConfiguration: 0,
    },
    data: out,
  };
}
