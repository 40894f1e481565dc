import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { type GrayOrRgbImage, hamming, phash } from './phash.ts';

/** A synthetic chest radiograph: bright mediastinum and body, dark lungs, a heart shadow. */
function chest(seed: number, width = 256, height = 256): GrayOrRgbImage {
  const data = new Uint8Array(width * height);
  const lungX = 0.22 + 0.06 * Math.sin(seed);
  const lungW = 0.16 + 0.05 * Math.cos(seed * 1.7);
  const heart = 0.08 + 0.06 * Math.sin(seed * 2.3);
  const tilt = 0.15 * Math.sin(seed * 3.1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width - 0.5;
      const v = y / height - 0.5;
      let value = Math.abs(u) < 0.45 ? 170 : 30; // body vs air
      for (const side of [-1, 1]) {
        const dx = (u - side * lungX) / lungW;
        const dy = (v + tilt * side * u) / 0.33;
        if (dx * dx + dy * dy < 1) value = 60 + 20 * dy;
      }
      const hx = (u + 0.05) / (0.1 + heart);
      const hy = (v - 0.15) / 0.15;
      if (hx * hx + hy * hy < 1) value = 150;
      if (Math.abs(u) < 0.03) value = 210; // spine
      data[y * width + x] = Math.max(
        0,
        Math.min(255, Math.round(value + 8 * Math.sin(x * 0.3 + seed) * Math.sin(y * 0.2))),
      );
    }
  }
  return { width, height, channels: 1, data };
}

async function viaSharp(image: GrayOrRgbImage, edit: (s: Sharp) => Sharp): Promise<GrayOrRgbImage> {
  const { data, info } = await edit(
    sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } }),
  )
    .grayscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    channels: 1,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

describe('perceptual hash', () => {
  it('is 16 hex characters and deterministic', () => {
    const a = phash(chest(1));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(phash(chest(1))).toBe(a);
    expect(hamming(a, a)).toBe(0);
  });

  it('a re-saved JPEG, a resized copy and a slightly re-windowed copy stay within 4 bits', async () => {
    const original = chest(1);
    const hash = phash(original);
    const jpeg = await sharp(original.data, { raw: { width: 256, height: 256, channels: 1 } })
      .jpeg({ quality: 80 })
      .toBuffer();
    const resaved = await viaSharp(original, () => sharp(jpeg));
    const resized = await viaSharp(original, (s) => s.resize(180, 180, { kernel: 'lanczos3' }));
    const rewindowed = {
      ...original,
      data: original.data.map((v) => Math.min(255, Math.round(v * 1.05 + 4))),
    };
    for (const copy of [resaved, resized, rewindowed])
      expect(hamming(hash, phash(copy))).toBeLessThanOrEqual(4);
  });

  it('colour input hashes like its gray equivalent', () => {
    const gray = chest(2);
    const rgb = new Uint8Array(gray.data.length * 3);
    gray.data.forEach((v, i) => rgb.fill(v, i * 3, i * 3 + 3));
    expect(phash({ ...gray, channels: 3, data: rgb })).toBe(phash(gray));
  });

  it('different chest images are far apart', () => {
    const hashes = [1, 2, 3, 4, 5].map((s) => phash(chest(s)));
    const distances = hashes.flatMap((a, i) => hashes.slice(i + 1).map((b) => hamming(a, b)));
    const typical = [...distances].sort((a, b) => a - b)[Math.floor(distances.length / 2)] ?? 0;
    expect(typical).toBeGreaterThanOrEqual(12);
    expect(Math.min(...distances)).toBeGreaterThan(4);
  });
});

describe('phash row sums', () => {
  it('are the same read word by word (aligned pixels) or byte by byte, at any width', () => {
    for (const [width, height] of [
      [3056, 97],
      [1001, 77],
      [33, 40],
      [4099, 33],
    ] as const) {
      const image = chest(width, width, height);
      // The same pixels one byte off a 4-byte boundary take the byte-by-byte path.
      const shifted = new Uint8Array(new ArrayBuffer(image.data.length + 1), 1, image.data.length);
      shifted.set(image.data);
      expect(phash({ ...image, data: shifted }), `${width}x${height}`).toBe(phash(image));
    }
  });
});
