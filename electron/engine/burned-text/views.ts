/**
 * The 8-bit pictures of an image that OCR reads, so that text hidden from the display window is read too:
 * - `rendered`: what a viewer shows (VOI window, colour as colour);
 * - `below-window` / `above-window`: the stored values outside the display window, on a log scale over
 *   0..255 (text drawn below the window's floor renders black, yet stands out here);
 * - `bit-plane-N`: a bit of Bits Allocated outside Bits Stored that is set somewhere (overlays and hidden
 *   text live there; the export zeroes those bits, and what they held is decided like any text);
 * - `chroma`: for colour images, each pixel's spread between its channels (red text of the same luminance
 *   as its grey surroundings has no luminance edge but a strong chroma one).
 * Every frame gets its views; all views share the image's pixel grid, so a box found in one masks the image.
 */
import {
  type DicomFile,
  type PixelInfo,
  decodeFrame,
  getNumber,
  readPixelInfo,
  renderFrame,
} from '../dicom/index.ts';
import type { GrayOrRgbImage } from '../image/phash.ts';

export type ViewKind = 'rendered' | 'below-window' | 'above-window' | 'chroma' | `bit-plane-${number}`;

/** One 8-bit picture of a frame, in the shape the image code (pHash, rendering) takes. */
export interface PixelView extends GrayOrRgbImage {
  frame: number;
  kind: ViewKind;
}

/** A stretch of stored values outside the window shows text only if enough pixels and levels lie there. */
const MIN_OUTSIDE_PIXELS = 64;
const MIN_OUTSIDE_LEVELS = 2;

/**
 * Stored values outside [lo, hi] over 0..255 on a log scale measured from the far end (the darkest value for
 * the range below the window, the brightest for the one above): small differences near that end, where text
 * hidden outside the window sits on its patch (300 on 40, under a window starting at 1400), become strong
 * edges, which a linear stretch would leave at a few grey levels. Values inside the window collapse to the
 * near end (white below, black above).
 */
function outside(values: ArrayLike<number>, lo: number, hi: number, below: boolean): Uint8Array | null {
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    if (below ? v < lo : v > hi) {
      n++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (n < MIN_OUTSIDE_PIXELS || max - min + 1 < MIN_OUTSIDE_LEVELS) return null;
  const far = below ? min : max;
  const span = Math.log1p(Math.abs((below ? lo : hi) - far));
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    const inside = below ? v >= lo : v <= hi;
    const t = inside ? 1 : Math.log1p(Math.abs(v - far)) / span;
    out[i] = Math.round(255 * (below ? t : 1 - t));
  }
  return out;
}

/** The window in stored values (the rescale undone), or null when the frame was shown min–max. */
function storedWindow(file: DicomFile, center: number, width: number): [number, number] {
  const slope = getNumber(file.dataset, 0x00281053) || 1;
  const intercept = getNumber(file.dataset, 0x00281052) ?? 0;
  const lo = (center - 0.5 - (width - 1) / 2 - intercept) / slope;
  const hi = (center - 0.5 + (width - 1) / 2 - intercept) / slope;
  return slope > 0 ? [lo, hi] : [hi, lo];
}

/** Bits of Bits Allocated outside Bits Stored that are set somewhere in the frame, one view each. */
function bitPlanes(file: DicomFile, info: PixelInfo, frame: number): PixelView[] {
  if (info.bitsStored >= info.bitsAllocated || info.samplesPerPixel !== 1 || info.bitsAllocated > 16)
    return [];
  const raw = decodeFrame(file, frame, {
    ...info,
    bitsStored: info.bitsAllocated,
    highBit: info.bitsAllocated - 1,
    pixelRepresentation: 0,
  }).data;
  const low = info.highBit + 1 - info.bitsStored;
  const views: PixelView[] = [];
  for (let bit = 0; bit < info.bitsAllocated; bit++) {
    if (bit >= low && bit <= info.highBit) continue;
    const plane = new Uint8Array(raw.length);
    let set = 0;
    for (let i = 0; i < raw.length; i++) {
      if (((raw[i] ?? 0) >>> bit) & 1) {
        plane[i] = 255;
        set++;
      }
    }
    if (set > 0)
      views.push({
        frame,
        kind: `bit-plane-${bit}`,
        width: info.columns,
        height: info.rows,
        channels: 1,
        data: plane,
      });
  }
  return views;
}

/** Spread between the channels of each pixel, stretched to the frame's largest spread. */
export function chroma(width: number, height: number, rgb: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(width * height);
  let peak = 0;
  for (let i = 0; i < out.length; i++) {
    const r = rgb[i * 3] ?? 0;
    const g = rgb[i * 3 + 1] ?? 0;
    const b = rgb[i * 3 + 2] ?? 0;
    const v = Math.max(r, g, b) - Math.min(r, g, b);
    out[i] = v;
    if (v > peak) peak = v;
  }
  if (peak < 16) return null;
  if (peak < 255) for (let i = 0; i < out.length; i++) out[i] = Math.round(((out[i] ?? 0) * 255) / peak);
  return out;
}

/** The views of a colour picture that is not DICOM (a PNG or JPEG): itself and its chroma. */
export function rasterViews(width: number, height: number, channels: 1 | 3, data: Uint8Array): PixelView[] {
  const views: PixelView[] = [{ frame: 0, kind: 'rendered', width, height, channels, data }];
  const c = channels === 3 ? chroma(width, height, data) : null;
  if (c) views.push({ frame: 0, kind: 'chroma', width, height, channels: 1, data: c });
  return views;
}

/** Every view of every frame of a DICOM image (see the module comment). */
export function dicomViews(file: DicomFile): PixelView[] {
  const info = readPixelInfo(file.dataset);
  const views: PixelView[] = [];
  for (let frame = 0; frame < info.numberOfFrames; frame++) {
    const decoded = decodeFrame(file, frame, info);
    const r = renderFrame(file.dataset, decoded);
    const base = { frame, width: r.width, height: r.height };
    views.push({ ...base, kind: 'rendered', channels: r.channels, data: r.data });
    if (r.channels === 3) {
      const c = chroma(r.width, r.height, r.data);
      if (c) views.push({ ...base, kind: 'chroma', channels: 1, data: c });
    } else if (r.window.source === 'window' && r.window.center !== null && r.window.width !== null) {
      const [lo, hi] = storedWindow(file, r.window.center, r.window.width);
      for (const below of [true, false]) {
        const data = outside(decoded.data, lo, hi, below);
        if (data) views.push({ ...base, kind: below ? 'below-window' : 'above-window', channels: 1, data });
      }
    }
    views.push(...bitPlanes(file, info, frame));
  }
  return views;
}
