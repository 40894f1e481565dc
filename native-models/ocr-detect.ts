// Text detection for the text-ocr task: the input tensor of a DB (Differentiable Binarization) detector such
// as PaddleOCR PP-OCRv4 det, and the post-processing of its probability map into text boxes. Written here
// (not taken from a library): threshold the map, take 8-connected regions, score each by its mean
// probability, and grow its box by the DB "unclip" distance (area × ratio / perimeter), since the model is
// trained to predict a shrunk text kernel.
import type { PixelImage } from './types.ts';

export interface DetectInput {
  /** NCHW float32, channels in BGR order (what PaddleOCR trains on). */
  data: Float32Array;
  width: number;
  height: number;
  /** Input pixels per image pixel, per axis. */
  scaleX: number;
  scaleY: number;
}

export interface TextBox {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Mean text probability inside the region. */
  score: number;
}

export interface DbOptions {
  /** Probability above which a pixel is text (DB's `thresh`). */
  threshold: number;
  /** Minimum mean probability of a kept region (DB's `box_thresh`). */
  boxThreshold: number;
  /** How far the shrunk kernel is grown back (DB's `unclip_ratio`). */
  unclipRatio: number;
  /** Regions whose shorter side is below this (input pixels) are noise. */
  minSide: number;
  /**
   * Minimum share of its box a region fills. A text kernel is a nearly solid bar; a ring or a long diagonal
   * edge (a collimator border, an arm's outline) spans a box it barely fills.
   */
  minFill: number;
  /** A line of text is never taller than this share of the image's shorter side (its short side, if turned). */
  maxLineShare: number;
}

export const DB_DEFAULTS: DbOptions = {
  threshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.6,
  minSide: 3,
  minFill: 0.3,
  maxLineShare: 0.25,
};

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** For each output coordinate: the two source coordinates and the weight of the second (bilinear, centres aligned). */
function axis(out: number, src: number, scale: number): { lo: Int32Array; hi: Int32Array; f: Float32Array } {
  const lo = new Int32Array(out);
  const hi = new Int32Array(out);
  const f = new Float32Array(out);
  for (let i = 0; i < out; i++) {
    const s = (i + 0.5) / scale - 0.5;
    const a = Math.max(0, Math.min(src - 1, Math.floor(s)));
    lo[i] = a;
    hi[i] = Math.min(src - 1, a + 1);
    f[i] = Math.max(0, Math.min(1, s - a));
  }
  return { lo, hi, f };
}

/**
 * Resizes so the longer side is at most `maxSide` and both sides are multiples of 32 (the detector's
 * stride), then normalises with ImageNet mean and standard deviation.
 */
export function detectionInput(img: PixelImage, maxSide: number): DetectInput {
  const scale = Math.min(1, maxSide / Math.max(img.width, img.height));
  const width = Math.max(32, Math.round((img.width * scale) / 32) * 32);
  const height = Math.max(32, Math.round((img.height * scale) / 32) * 32);
  const scaleX = width / img.width;
  const scaleY = height / img.height;
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  const xs = axis(width, img.width, scaleX);
  const ys = axis(height, img.height, scaleY);
  const ch = img.channels;
  const src = img.data;
  // Plane c holds source channel 2 - c (BGR order); a grey image feeds all three.
  for (let c = 0; c < 3; c++) {
    const sc = ch === 1 ? 0 : 2 - c;
    const mean = MEAN[c] ?? 0;
    const k = 1 / (255 * (STD[c] ?? 1));
    const m = mean / (STD[c] ?? 1);
    for (let y = 0; y < height; y++) {
      const r0 = (ys.lo[y] ?? 0) * img.width;
      const r1 = (ys.hi[y] ?? 0) * img.width;
      const fy = ys.f[y] ?? 0;
      const row = c * plane + y * width;
      for (let x = 0; x < width; x++) {
        const x0 = xs.lo[x] ?? 0;
        const x1 = xs.hi[x] ?? 0;
        const fx = xs.f[x] ?? 0;
        const top = (src[(r0 + x0) * ch + sc] ?? 0) * (1 - fx) + (src[(r0 + x1) * ch + sc] ?? 0) * fx;
        const bottom = (src[(r1 + x0) * ch + sc] ?? 0) * (1 - fx) + (src[(r1 + x1) * ch + sc] ?? 0) * fx;
        data[row + x] = (top * (1 - fy) + bottom * fy) * k - m;
      }
    }
  }
  return { data, width, height, scaleX, scaleY };
}

/** Text boxes in the probability map's pixels (width × height), best first by position (top, then left). */
export function textBoxes(prob: Float32Array, width: number, height: number, o: DbOptions): TextBox[] {
  const seen = new Uint8Array(width * height);
  const boxes: TextBox[] = [];
  const stack: number[] = [];
  for (let start = 0; start < prob.length; start++) {
    if (seen[start] === 1 || (prob[start] ?? 0) <= o.threshold) continue;
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    let sum = 0;
    let n = 0;
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop() ?? 0;
      const x = p % width;
      const y = (p - x) / width;
      sum += prob[p] ?? 0;
      n++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (seen[q] !== 1 && (prob[q] ?? 0) > o.threshold) {
            seen[q] = 1;
            stack.push(q);
          }
        }
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    const score = sum / n;
    const side = Math.min(w, h);
    if (side < o.minSide || side > o.maxLineShare * Math.min(width, height)) continue;
    if (score < o.boxThreshold || n < o.minFill * w * h) continue;
    const d = (w * h * o.unclipRatio) / (2 * (w + h));
    const bx0 = Math.max(0, x0 - d);
    const by0 = Math.max(0, y0 - d);
    const bx1 = Math.min(width, x1 + 1 + d);
    const by1 = Math.min(height, y1 + 1 + d);
    boxes.push({ x: bx0, y: by0, width: bx1 - bx0, height: by1 - by0, score });
  }
  return boxes.sort((a, b) => a.y - b.y || a.x - b.x);
}
