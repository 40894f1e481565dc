import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_DEFAULTS, textBoxes } from './ocr-detect.ts';
import { ctcDecode } from './ocr-recognize.ts';
import { ModelRunner } from './runner.ts';
import { listModels } from './registry.ts';
import { verifyModelFiles } from './registry.ts';
import type { PixelImage } from './types.ts';

const MODEL = 'paddleocr-ppocrv4';

/** A dark 480 × 480 frame with white text drawn by librsvg (DejaVu Sans), upright and turned. */
async function textImage(): Promise<PixelImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="480">
    <rect width="480" height="480" fill="#282828"/>
    <text x="20" y="40" font-family="DejaVu Sans" font-size="22" fill="white">DOE^JOHN MRN 48213377</text>
    <g transform="translate(440 120) rotate(90)"><text font-family="DejaVu Sans" font-size="22" fill="white">PORTABLE AP</text></g>
    <g transform="translate(300 300) rotate(180)"><text font-family="DejaVu Sans" font-size="22" fill="white">1961-03-14</text></g>
  </svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) };
}

describe('DB post-processing', () => {
  it('turns each region above the threshold into a box grown by the unclip distance, and drops weak ones', () => {
    const w = 40;
    const h = 20;
    const prob = new Float32Array(w * h);
    for (let y = 5; y < 10; y++) for (let x = 4; x < 24; x++) prob[y * w + x] = 0.9;
    for (let y = 14; y < 18; y++) for (let x = 30; x < 36; x++) prob[y * w + x] = 0.4;
    // A ring (a collimator's edge) spans a box it barely fills: not text.
    for (let x = 0; x < w; x++) prob[x] = prob[(h - 1) * w + x] = 0.9;
    for (let y = 0; y < h; y++) prob[y * w] = prob[y * w + w - 1] = 0.9;
    const boxes = textBoxes(prob, w, h, DB_DEFAULTS);
    expect(boxes).toHaveLength(1);
    const d = (20 * 5 * DB_DEFAULTS.unclipRatio) / (2 * 25);
    const b = boxes[0]!;
    const want = { x: 4 - d, y: 5 - d, width: 20 + 2 * d, height: 5 + 2 * d, score: 0.9 };
    for (const k of ['x', 'y', 'width', 'height', 'score'] as const) expect(b[k]).toBeCloseTo(want[k], 5);
  });
});

describe('CTC decoding', () => {
  it('collapses repeats, drops blanks and maps the class after the character list to a space', () => {
    const charset = ['A', 'B'];
    const steps = [1, 1, 0, 1, 3, 2];
    const probs = new Float32Array(steps.length * 4);
    steps.forEach((c, t) => (probs[t * 4 + c] = 1));
    expect(ctcDecode(probs, steps.length, 4, charset)).toEqual({ text: 'AA B', score: 1 });
  });
});

describe('the text-ocr task with the bundled PP-OCRv4 model', () => {
  const runner = new ModelRunner({ device: 'cpu' });
  afterAll(() => runner.close());

  it('ships pinned: every file matches its SHA-256', async () => {
    const entry = listModels({ dirs: [] }).models.find((m) => m.manifest.id === MODEL);
    expect(entry).toMatchObject({ status: 'found', manifestOrigin: 'shipped' });
    expect(await verifyModelFiles(entry!)).toEqual([]);
  });

  it('reads upright, turned and upside-down lines in the model process and records the device', async () => {
    const { lines, run } = await runner.readText(MODEL, [await textImage()]);
    expect(run).toMatchObject({ requested: 'cpu', device: 'cpu', items: 1 });
    const read = lines[0]!.map((l) => ({
      text: l.text.replace(/[~^]/g, '^').replace(/0(?=HN)/, 'O'),
      rotation: l.rotation,
    }));
    expect(read).toEqual(
      expect.arrayContaining([
        { text: 'DOE^JOHN MRN 48213377', rotation: 0 },
        { text: 'PORTABLE AP', rotation: 90 },
        { text: '1961-03-14', rotation: 180 },
      ]),
    );
    const name = lines[0]!.find((l) => l.text.includes('48213377'))!;
    // The box covers the line drawn at y 40 (baseline), x 20.
    expect(name.x).toBeLessThanOrEqual(20);
    expect(name.y).toBeLessThanOrEqual(24);
    expect(name.y + name.height).toBeGreaterThanOrEqual(42);
  });
});
