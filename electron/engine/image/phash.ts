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
  const small = boxResize(luma(image), image.width, image.height, SIZE);
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

function luma({ width, height, channels, data }: GrayOrRgbImage): Float64Array {
  const out = new Float64Array(width * height);
  if (channels === 1) {
    for (let i = 0; i < out.length; i++) out[i] = data[i] ?? 0;
    return out;
  }
  for (let i = 0; i < out.length; i++) {
    out[i] = 0.299 * (data[i * 3] ?? 0) + 0.587 * (data[i * 3 + 1] ?? 0) + 0.114 * (data[i * 3 + 2] ?? 0);
  }
  return out;
}

/**
 * Area-weighted average onto size x size: each output cell averages exactly the source area it
 * covers (fractional pixels weighted), so a resized copy lands on the same values. Also upsamples.
 */
function boxResize(src: Float64Array, width: number, height: number, size: number): Float64Array {
  const weights = (n: number): { index: number; weight: number }[][] => {
    const scale = n / size;
    return Array.from({ length: size }, (_, o) => {
      const start = o * scale;
      const end = start + scale;
      const list: { index: number; weight: number }[] = [];
      for (let i = Math.floor(start); i < Math.min(n, Math.ceil(end)); i++) {
        const weight = Math.min(end, i + 1) - Math.max(start, i);
        if (weight > 0) list.push({ index: i, weight });
      }
      return list;
    });
  };
  const xs = weights(width);
  const ys = weights(height);
  const out = new Float64Array(size * size);
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      let sum = 0;
      let total = 0;
      for (const y of ys[oy] ?? []) {
        for (const x of xs[ox] ?? []) {
          const w = y.weight * x.weight;
          sum += (src[y.index * width + x.index] ?? 0) * w;
          total += w;
        }
      }
      out[oy * size + ox] = total > 0 ? sum / total : 0;
    }
  }
  return out;
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
