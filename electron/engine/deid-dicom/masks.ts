/**
 * Pixel masks: rectangles blanked on decoded frames. They come from three places: rules per
 * modality/manufacturer/model/size (the way RSNA CTP's DicomPixelAnonymizer.script does it, as data in
 * mask-rules.ts), the burned-in text detector's regions, or rectangles a user drew. `applyMasks` works
 * on any decoded frame so every export format can use it; `maskedPixelData` re-encodes a masked DICOM
 * as native pixel data.
 */
import {
  type DicomFile,
  type PixelArray,
  type PixelInfo,
  decodeFrame,
  getString,
  getNumber,
  readPixelInfo,
} from '../dicom/index.ts';
import { MASK_RULES, type MaskRule } from './mask-rules.ts';

/** A rectangle in pixel coordinates of the frame (x: column, y: row), clipped to the frame. */
export interface MaskRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MaskableFrame {
  width: number;
  height: number;
  /** Samples per pixel, interleaved. */
  channels: number;
  data: PixelArray | Uint8ClampedArray | Float32Array | Float64Array;
}

/** Blank the rectangles in place with `fill` (every channel); returns the number of pixels changed. */
export function applyMasks(frame: MaskableFrame, masks: MaskRect[], fill = 0): number {
  let changed = 0;
  for (const m of masks) {
    const x0 = Math.max(0, Math.floor(m.x));
    const y0 = Math.max(0, Math.floor(m.y));
    const x1 = Math.min(frame.width, Math.ceil(m.x + m.width));
    const y1 = Math.min(frame.height, Math.ceil(m.y + m.height));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const base = (y * frame.width + x) * frame.channels;
        for (let c = 0; c < frame.channels; c++) frame.data[base + c] = fill;
        changed++;
      }
    }
  }
  return changed;
}

export interface MaskHeader {
  modality?: string;
  manufacturer?: string;
  model?: string;
  rows: number;
  columns: number;
}

function matches(rule: MaskRule, h: MaskHeader): boolean {
  const has = (pattern: string | undefined, value: string | undefined): boolean =>
    pattern === undefined || (value ?? '').toUpperCase().includes(pattern.toUpperCase());
  return (
    (rule.modality === undefined || rule.modality === h.modality) &&
    has(rule.manufacturer, h.manufacturer) &&
    has(rule.model, h.model) &&
    (rule.rows === undefined || rule.rows === h.rows) &&
    (rule.columns === undefined || rule.columns === h.columns)
  );
}

/** The rule-table masks for an image; fractional rectangles are scaled to its size. */
export function masksByRule(
  h: MaskHeader,
  rules: MaskRule[] = MASK_RULES,
): { rule: string; rects: MaskRect[] }[] {
  return rules
    .filter((r) => matches(r, h))
    .map((r) => ({
      rule: r.id,
      rects: r.rects.map((q) =>
        r.units === 'fraction'
          ? { x: q.x * h.columns, y: q.y * h.rows, width: q.width * h.columns, height: q.height * h.rows }
          : q,
      ),
    }));
}

export function maskHeaderOf(file: DicomFile): MaskHeader {
  const ds = file.dataset;
  return {
    modality: getString(ds, 0x00080060),
    manufacturer: getString(ds, 0x00080070),
    model: getString(ds, 0x00081090),
    rows: getNumber(ds, 0x00280010) ?? 0,
    columns: getNumber(ds, 0x00280011) ?? 0,
  };
}

export interface MaskedPixels {
  /** Native pixel data, every frame masked, in the requested byte order. */
  value: Uint8Array;
  /** The layout the bytes are in (photometric after decoding, planar configuration 0, high bit = bits stored - 1). */
  info: PixelInfo;
  pixelsChanged: number;
}

/**
 * Decode every frame, blank the masks (with the darkest value as displayed: the minimum stored value
 * for MONOCHROME2, the maximum for MONOCHROME1, 0 for colour) and pack the frames as native pixel
 * data. Compressed sources come out native: the caller writes Explicit VR Little Endian and records
 * the transfer syntax change.
 */
export function maskedPixelData(file: DicomFile, masks: MaskRect[], littleEndian: boolean): MaskedPixels {
  const info = readPixelInfo(file.dataset);
  if (info.bitsAllocated === 1) throw new Error('masking 1-bit pixel data is not supported');
  const size = info.bitsAllocated / 8;
  let out: Uint8Array | null = null;
  let view: DataView | null = null;
  let layout: PixelInfo = info;
  let pixelsChanged = 0;
  for (let f = 0; f < info.numberOfFrames; f++) {
    const decoded = decodeFrame(file, f, info);
    layout = { ...decoded.info, planarConfiguration: 0, highBit: decoded.info.bitsStored - 1 };
    const { data } = decoded;
    let fill = 0;
    if (layout.samplesPerPixel === 1) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of data) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      fill = layout.photometric === 'MONOCHROME1' ? max : min;
    }
    pixelsChanged += applyMasks(
      { width: layout.columns, height: layout.rows, channels: layout.samplesPerPixel, data },
      masks,
      fill,
    );
    if (out === null || view === null) {
      out = new Uint8Array(
        data.length * size * info.numberOfFrames + ((data.length * size * info.numberOfFrames) % 2),
      );
      view = new DataView(out.buffer);
    }
    const base = f * data.length * size;
    for (let i = 0; i < data.length; i++) {
      const v = data[i] ?? 0;
      const at = base + i * size;
      if (size === 1) view.setUint8(at, v & 0xff);
      else if (size === 2) view.setUint16(at, v & 0xffff, littleEndian);
      else view.setUint32(at, v >>> 0, littleEndian);
    }
  }
  return { value: out ?? new Uint8Array(0), info: layout, pixelsChanged };
}
