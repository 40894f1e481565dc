/**
 * 64-bit DCT perceptual hash (the classic pHash) of a rendered 8-bit image, for finding the same
 * picture re-saved, resized or re-windowed: luma, box-filtered down to 32x32, 2-D DCT-II, the 8x8
 * lowest frequencies after the DC row and column, each bit set when above their median.
 */

export interface GrayOrRgbImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

const SIZE = 32;
const BLOCK = 8;

/** 16 lowercase hex characters, most significant bit first. */
export function phash(image: GrayOrRgbImage): string {
  const small = areaAverage(image, SIZE);
  const coefficients = lowFrequencies(dct2(small));
  const sorted = [...coefficients].sort((a, b) => a - b);
  const median = ((sorted[31] ?? 0) + (sorted[32] ?? 0)) / 2;
  let bits = 0n;
  for (const c of coefficients) bits = (bits << 1n) | (c > median ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

/** Number of differing bits between two phash strings. */
export function hamming(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (x > 0n) {
    count += Number(x & 1n);
    x >>= 1n;
  }
  return count;
}

/** For each source index along one axis: the (at most two) output cells it overlaps, with the overlap. */
function axisWeights(n: number, size: number): { bin: Int32Array; weight: Float64Array } {
  const scale = n / size;
  const bin = new Int32Array(n * 2).fill(-1);
  const weight = new Float64Array(n * 2);
  for (let o = 0; o < size; o++) {
    const start = o * scale;
    const end = start + scale;
    for (let i = Math.floor(start); i < Math.min(n, Math.ceil(end)); i++) {
      const w = Math.min(end, i + 1) - Math.max(start, i);
      if (w <= 0) continue;
      const slot = bin[i * 2] === -1 ? i * 2 : i * 2 + 1;
      bin[slot] = o;
      weight[slot] = w;
    }
  }
  return { bin, weight };
}

/**
 * Luma averaged onto size x size by area: each output cell averages exactly the source area it covers
 * (fractional pixels weighted), so a resized copy lands on the same values. Separable (rows, then columns)
 * and read straight from the 8-bit pixels, so a 3000x2500 radiograph costs two passes, no copies.
 * When the image is smaller than size, a source pixel spans several cells and the same weights upsample.
 */
function areaAverage({ width, height, channels, data }: GrayOrRgbImage, size: number): Float64Array {
  const xs = axisWeights(width, size);
  const ys = axisWeights(height, size);
  const upsampleX = width < size;
  const gray = channels === 1 && !upsampleX;
  const rows = gray ? grayRowSums(data, width, height, xs, size) : new Float64Array(height * size);
  for (let y = 0; y < height && !gray; y++) {
    const row = y * size;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const v =
        channels === 1
          ? data[p]!
          : 0.299 * data[p * 3]! + 0.587 * data[p * 3 + 1]! + 0.114 * data[p * 3 + 2]!;
      if (upsampleX) {
        const scale = width / size;
        for (let o = Math.floor(x / scale); o < size && o * scale < x + 1; o++) {
          const w = Math.min((o + 1) * scale, x + 1) - Math.max(o * scale, x);
          if (w > 0) rows[row + o]! += v * w;
        }
        continue;
      }
      rows[row + xs.bin[x * 2]!]! += v * xs.weight[x * 2]!;
      const b1 = xs.bin[x * 2 + 1]!;
      if (b1 >= 0) rows[row + b1]! += v * xs.weight[x * 2 + 1]!;
    }
  }
  const out = new Float64Array(size * size);
  const scaleY = height / size;
  for (let y = 0; y < height; y++) {
    const targets: [number, number][] = [];
    if (height < size) {
      for (let o = Math.floor(y / scaleY); o < size && o * scaleY < y + 1; o++) {
        const w = Math.min((o + 1) * scaleY, y + 1) - Math.max(o * scaleY, y);
        if (w > 0) targets.push([o, w]);
      }
    } else {
      targets.push([ys.bin[y * 2]!, ys.weight[y * 2]!]);
      if (ys.bin[y * 2 + 1]! >= 0) targets.push([ys.bin[y * 2 + 1]!, ys.weight[y * 2 + 1]!]);
    }
    for (const [o, w] of targets)
      for (let u = 0; u < size; u++) out[o * size + u]! += rows[y * size + u]! * w;
  }
  // Every cell covers the same area (width/size x height/size source pixels).
  const area = (width / size) * (height / size);
  for (let i = 0; i < out.length; i++) out[i]! /= area;
  return out;
}

/**
 * The row pass of areaAverage for a gray image at least `size` wide, with the same result. Every weight is
 * a multiple of 1/size (a power of two, so exact in binary) and every partial sum stays far below
 * 2^53/size, so the sums are exact in any order: each cell's whole pixels are added as integers, then its
 * split edge pixels with their weights. Several times faster than a weighted add per pixel.
 */
function grayRowSums(
  data: Uint8Array,
  width: number,
  height: number,
  xs: { bin: Int32Array; weight: Float64Array },
  size: number,
): Float64Array {
  const first = new Int32Array(size).fill(-1);
  const end = new Int32Array(size);
  const splitX: number[] = [];
  const splitBin: number[] = [];
  const splitWeight: number[] = [];
  for (let x = 0; x < width; x++) {
    for (let slot = x * 2; slot <= x * 2 + 1; slot++) {
      const o = xs.bin[slot]!;
      if (o < 0) continue;
      const w = xs.weight[slot]!;
      if (w === 1) {
        if (first[o] === -1) first[o] = x;
        end[o] = x + 1;
      } else {
        splitX.push(x);
        splitBin.push(o);
        splitWeight.push(w);
      }
    }
  }
  const rows = new Float64Array(height * size);
  const words =
    data.byteOffset % 4 === 0 ? new Uint32Array(data.buffer, data.byteOffset, data.length >> 2) : null;
  for (let y = 0; y < height; y++) {
    const p = y * width;
    const row = y * size;
    for (let o = 0; o < size; o++) {
      const a = first[o]!;
      rows[row + o] =
        a < 0
          ? 0
          : words === null
            ? byteSum(data, p + a, p + end[o]!)
            : wordSum(data, words, p + a, p + end[o]!);
    }
    for (let k = 0; k < splitX.length; k++)
      rows[row + splitBin[k]!]! += data[p + splitX[k]!]! * splitWeight[k]!;
  }
  return rows;
}

function byteSum(data: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += data[i]!;
  return sum;
}

/**
 * data[from] + ... + data[to - 1], four bytes per 32-bit load: the two 16-bit lanes of `lanes` each add
 * two bytes per word (at most 510) and are emptied every 64 words, before either could overflow (and
 * while the whole stays a small integer). Exact, so the same sums as byteSum.
 */
function wordSum(data: Uint8Array, words: Uint32Array, from: number, to: number): number {
  const start = Math.min(to, (from + 3) & ~3);
  const stop = Math.max(start, to & ~3);
  let sum = byteSum(data, from, start) + byteSum(data, stop, to);
  for (let w = start >> 2, last = stop >> 2; w < last;) {
    let lanes = 0;
    for (const chunkEnd = Math.min(last, w + 64); w < chunkEnd; w++) {
      const v = words[w]!;
      lanes += (v & 0x00ff00ff) + ((v >>> 8) & 0x00ff00ff);
    }
    sum += (lanes & 0xffff) + (lanes >>> 16);
  }
  return sum;
}

const COS = Array.from({ length: SIZE }, (_, u) =>
  Float64Array.from({ length: SIZE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIZE))),
);

/** Separable 2-D DCT-II (unnormalised: scale does not change which side of the median a value is). */
function dct2(block: Float64Array): Float64Array {
  const rows = new Float64Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let u = 0; u < SIZE; u++) {
      let s = 0;
      for (let x = 0; x < SIZE; x++) s += (block[y * SIZE + x] ?? 0) * (COS[u]?.[x] ?? 0);
      rows[y * SIZE + u] = s;
    }
  }
  const out = new Float64Array(SIZE * SIZE);
  for (let u = 0; u < SIZE; u++) {
    for (let v = 0; v < SIZE; v++) {
      let s = 0;
      for (let y = 0; y < SIZE; y++) s += (rows[y * SIZE + u] ?? 0) * (COS[v]?.[y] ?? 0);
      out[v * SIZE + u] = s;
    }
  }
  return out;
}

/** Rows and columns 1..8: the lowest frequencies without the DC term's row and column. */
function lowFrequencies(coefficients: Float64Array): number[] {
  const out: number[] = [];
  for (let v = 1; v <= BLOCK; v++) for (let u = 1; u <= BLOCK; u++) out.push(coefficients[v * SIZE + u] ?? 0);
  return out;
}
