// Text recognition for the text-ocr task: the input of a CTC line recogniser such as PaddleOCR PP-OCRv4 rec
// (a crop of a line, turned upright, 48 px high) and greedy CTC decoding of its per-column class
// probabilities against the model's character list. Written here, not taken from a library.
import type { TextBox } from './ocr-detect.ts';
import type { PixelImage } from './types.ts';

/** How far a line of text is turned clockwise in the image; the crop is turned back before it is read. */
export type Rotation = 0 | 90 | 180 | 270;

export interface RecognizeInput {
  /** NCHW float32 [1, 3, height, width], BGR, scaled to [-1, 1]. */
  data: Float32Array;
  width: number;
  height: number;
}

/** A crop of `box` (image pixels) turned by `rotation` and resized to `height` (width follows, capped). */
export function recognitionInput(
  img: PixelImage,
  box: TextBox,
  rotation: Rotation,
  height: number,
  maxWidth: number,
): RecognizeInput {
  const turned = rotation === 90 || rotation === 270;
  const srcW = turned ? box.height : box.width;
  const srcH = turned ? box.width : box.height;
  const width = Math.max(8, Math.min(maxWidth, Math.ceil((height * srcW) / Math.max(1, srcH))));
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  const sx = srcW / width;
  const sy = srcH / height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // (u, v): the point in the upright crop; (px, py): where it lies in the image.
      const u = (x + 0.5) * sx;
      const v = (y + 0.5) * sy;
      let px: number;
      let py: number;
      if (rotation === 0) [px, py] = [box.x + u, box.y + v];
      else if (rotation === 180) [px, py] = [box.x + box.width - u, box.y + box.height - v];
      else if (rotation === 90) [px, py] = [box.x + box.width - v, box.y + u];
      else [px, py] = [box.x + v, box.y + box.height - u];
      const ix = Math.max(0, Math.min(img.width - 1, Math.floor(px)));
      const iy = Math.max(0, Math.min(img.height - 1, Math.floor(py)));
      const o = (iy * img.width + ix) * img.channels;
      for (let c = 0; c < 3; c++) {
        const value = img.data[o + (img.channels === 1 ? 0 : 2 - c)] ?? 0;
        data[c * plane + y * width + x] = value / 127.5 - 1;
      }
    }
  }
  return { data, width, height };
}

export interface Decoded {
  text: string;
  /** Mean probability of the characters read (0 when none). */
  score: number;
}

/**
 * Greedy CTC: the best class per column, repeats collapsed, blanks (class 0) dropped. Class i ≥ 1 is
 * `charset[i - 1]`; the class after the list is a space (PaddleOCR's `use_space_char`).
 */
export function ctcDecode(probs: Float32Array, steps: number, classes: number, charset: string[]): Decoded {
  let text = '';
  let sum = 0;
  let n = 0;
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bestP = -1;
    for (let c = 0; c < classes; c++) {
      const p = probs[t * classes + c] ?? 0;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== prev) {
      text += best - 1 < charset.length ? (charset[best - 1] ?? '') : ' ';
      sum += bestP;
      n++;
    }
    prev = best;
  }
  return { text: text.trim(), score: n > 0 ? sum / n : 0 };
}
