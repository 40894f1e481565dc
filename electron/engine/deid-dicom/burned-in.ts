/**
 * Burned-in text: which images go to quarantine for review, and a model-free detector of text regions.
 *
 * Header rules first: Burned In Annotation = YES, ultrasound, secondary capture and screen saves are
 * quarantined on their kind alone (they usually carry text). A plain radiograph is not (MIMIC-CXR's
 * Image Type is DERIVED\PRIMARY); for those the pixel detector decides.
 *
 * The detector works on the rendered 8-bit frame (what a reader sees). Text burned into radiographs is
 * near-saturated, thin and sharp against its surroundings, and comes as rows of similar-sized glyphs:
 * 1. candidate pixels: at least `minBright` and brighter than their 9x9 neighbourhood mean by
 *    `minContrast` (an integral image makes the mean O(1)); dark text on a bright band is found on the
 *    inverted frame;
 * 2. 8-connected components of candidates, kept when glyph-sized (height 5..h/12 px, width at most
 *    twice the height, fill 10..90 %);
 * 3. glyphs grouped into lines: similar height (ratio < 2), vertical centres within half a height,
 *    horizontal gap under 1.5 heights; a line of at least 3 glyphs is a text region.
 * Anatomy rarely makes three aligned, saturated, glyph-sized blobs; ribs and wires are long and thin.
 * A learned detector (e.g. an ONNX text detector) can replace or join it through `TextDetector`.
 */
import { type DicomFile, decodeFrame, getString, getStrings, renderFrame } from '../dicom/index.ts';
import type { MaskRect } from './masks.ts';

export interface RenderedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

export interface TextRegion extends MaskRect {
  glyphs: number;
}

/** The hook a learned text detector implements (sync or async). */
export type TextDetector = (image: RenderedImage) => TextRegion[] | Promise<TextRegion[]>;

export interface DetectorOptions {
  minBright?: number;
  minContrast?: number;
  minGlyphs?: number;
}

const SECONDARY_CAPTURE = /^1\.2\.840\.10008\.5\.1\.4\.1\.1\.7(\.\d+)?$/;
const ULTRASOUND = new Set([
  '1.2.840.10008.5.1.4.1.1.6.1',
  '1.2.840.10008.5.1.4.1.1.3.1',
  '1.2.840.10008.5.1.4.1.1.6.2',
]);

/** Why this image must be reviewed for burned-in text before export, from its header alone; null if not. */
export function quarantineByHeader(file: DicomFile): string | null {
  const ds = file.dataset;
  if ((getString(ds, 0x00280301) ?? '').toUpperCase() === 'YES') return 'Burned In Annotation is YES';
  const sopClass = getString(ds, 0x00080016) ?? '';
  const modality = (getString(ds, 0x00080060) ?? '').toUpperCase();
  if (modality === 'US' || ULTRASOUND.has(sopClass)) return 'ultrasound images usually carry burned-in text';
  if (SECONDARY_CAPTURE.test(sopClass)) return 'secondary capture images usually carry burned-in text';
  if (getStrings(ds, 0x00080008).some((v) => v.toUpperCase() === 'SCREEN SAVE'))
    return 'Image Type is SCREEN SAVE';
  return null;
}

function luminance(image: RenderedImage): Uint8Array {
  if (image.channels === 1) return image.data;
  const out = new Uint8Array(image.width * image.height);
  for (let i = 0; i < out.length; i++) {
    const r = image.data[i * 3] ?? 0;
    const g = image.data[i * 3 + 1] ?? 0;
    const b = image.data[i * 3 + 2] ?? 0;
    out[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return out;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  area: number;
}

function candidates(
  gray: Uint8Array,
  w: number,
  h: number,
  minBright: number,
  minContrast: number,
): Uint8Array {
  const integral = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += gray[y * w + x] ?? 0;
      integral[(y + 1) * (w + 1) + x + 1] = (integral[y * (w + 1) + x + 1] ?? 0) + row;
    }
  }
  const r = 4;
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const ya = Math.max(0, y - r);
    const yb = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const v = gray[y * w + x] ?? 0;
      if (v < minBright) continue;
      const xa = Math.max(0, x - r);
      const xb = Math.min(w, x + r + 1);
      const sum =
        (integral[yb * (w + 1) + xb] ?? 0) -
        (integral[ya * (w + 1) + xb] ?? 0) -
        (integral[yb * (w + 1) + xa] ?? 0) +
        (integral[ya * (w + 1) + xa] ?? 0);
      if (v - sum / ((yb - ya) * (xb - xa)) >= minContrast) mask[y * w + x] = 1;
    }
  }
  return mask;
}

function components(mask: Uint8Array, w: number, h: number): Box[] {
  const seen = new Uint8Array(mask.length);
  const boxes: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] !== 1 || seen[start] === 1) continue;
    const box: Box = { x0: w, y0: h, x1: -1, y1: -1, area: 0 };
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop() ?? 0;
      const x = p % w;
      const y = (p - x) / w;
      box.area++;
      box.x0 = Math.min(box.x0, x);
      box.x1 = Math.max(box.x1, x);
      box.y0 = Math.min(box.y0, y);
      box.y1 = Math.max(box.y1, y);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const q = ny * w + nx;
          if (mask[q] === 1 && seen[q] !== 1) {
            seen[q] = 1;
            stack.push(q);
          }
        }
      }
    }
    boxes.push(box);
  }
  return boxes;
}

function glyphLike(b: Box, h: number): boolean {
  const bw = b.x1 - b.x0 + 1;
  const bh = b.y1 - b.y0 + 1;
  const fill = b.area / (bw * bh);
  return bh >= 5 && bh <= Math.max(12, h / 12) && bw <= bh * 2 && bw >= 1 && fill >= 0.1 && fill <= 0.9;
}

function lines(glyphs: Box[], minGlyphs: number): TextRegion[] {
  const sorted = [...glyphs].sort((a, b) => a.x0 - b.x0);
  const used = new Set<Box>();
  const regions: TextRegion[] = [];
  for (const seed of sorted) {
    if (used.has(seed)) continue;
    const line = [seed];
    used.add(seed);
    let last = seed;
    for (const g of sorted) {
      if (used.has(g) || g.x0 < last.x0) continue;
      const lh = last.y1 - last.y0 + 1;
      const gh = g.y1 - g.y0 + 1;
      const ratio = Math.max(lh, gh) / Math.min(lh, gh);
      const dy = Math.abs((g.y0 + g.y1) / 2 - (last.y0 + last.y1) / 2);
      const gap = g.x0 - last.x1;
      if (ratio < 2 && dy <= Math.max(lh, gh) / 2 && gap <= 1.5 * Math.max(lh, gh)) {
        line.push(g);
        used.add(g);
        last = g;
      }
    }
    if (line.length >= minGlyphs) {
      const x0 = Math.min(...line.map((b) => b.x0));
      const y0 = Math.min(...line.map((b) => b.y0));
      const x1 = Math.max(...line.map((b) => b.x1));
      const y1 = Math.max(...line.map((b) => b.y1));
      regions.push({ x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1, glyphs: line.length });
    } else {
      for (const g of line.slice(1)) used.delete(g);
    }
  }
  return regions;
}

/** Text regions in a rendered frame (see the module comment for the method). */
export function detectBurnedInText(image: RenderedImage, options: DetectorOptions = {}): TextRegion[] {
  const { width: w, height: h } = image;
  const minBright = options.minBright ?? 200;
  const minContrast = options.minContrast ?? 60;
  const minGlyphs = options.minGlyphs ?? 3;
  const gray = luminance(image);
  const inverted = gray.map((v) => 255 - v);
  const regions: TextRegion[] = [];
  for (const plane of [gray, inverted]) {
    const boxes = components(candidates(plane, w, h, minBright, minContrast), w, h);
    regions.push(
      ...lines(
        boxes.filter((b) => glyphLike(b, h)),
        minGlyphs,
      ),
    );
  }
  return regions;
}

/** Render frame 0 of a DICOM for the detector. */
export function renderForDetection(file: DicomFile): RenderedImage {
  const rendered = renderFrame(file.dataset, decodeFrame(file, 0));
  return { width: rendered.width, height: rendered.height, channels: rendered.channels, data: rendered.data };
}
