// Runs inside the model process only: the text-ocr task on onnxruntime-node directly (transformers.js has
// no OCR pipeline). A detector session finds text boxes, a recogniser session reads each box at the
// orientations its shape allows, and the best reading wins.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { DB_DEFAULTS, detectionInput, textBoxes } from './ocr-detect.ts';
import type { TextBox } from './ocr-detect.ts';
import { ctcDecode, recognitionInput } from './ocr-recognize.ts';
import type { Decoded, Rotation } from './ocr-recognize.ts';
import type { ModelSpec } from './protocol.ts';
import type { ExecutionDevice, OcrLine, PixelImage } from './types.ts';

/** The file names and sizes a text-ocr manifest declares in `preprocessing`. */
interface OcrConfig {
  detector: string;
  recognizer: string;
  charset: string;
  /** Longer side of the detector's input, pixels. */
  maxSide: number;
  /** Height of the recogniser's input, and its widest crop. */
  lineHeight: number;
  maxLineWidth: number;
  /** A reading below this is tried the other way up too. */
  retryBelow: number;
}

function config(spec: ModelSpec): OcrConfig {
  const p = spec.preprocessing;
  const str = (k: string) => {
    const v = p[k];
    if (typeof v !== 'string') throw new Error(`model "${spec.id}": preprocessing.${k} must name a file`);
    return v;
  };
  const num = (k: string, d: number) => (typeof p[k] === 'number' ? p[k] : d);
  return {
    detector: str('detector'),
    recognizer: str('recognizer'),
    charset: str('charset'),
    maxSide: num('maxSide', 1280),
    lineHeight: num('lineHeight', 48),
    maxLineWidth: num('maxLineWidth', 1600),
    retryBelow: num('retryBelow', 0.85),
  };
}

export interface OcrHandle {
  read(images: PixelImage[]): Promise<OcrLine[][]>;
}

/** Orientations to read a box at: a tall box is a turned line; a wide one is upright or upside down. */
function orientations(box: TextBox): Rotation[][] {
  return box.height > box.width * 1.5 ? [[90, 270]] : [[0], [180, 90, 270]];
}

export async function loadOcr(spec: ModelSpec, device: ExecutionDevice): Promise<OcrHandle> {
  const cfg = config(spec);
  const opts: ort.InferenceSession.SessionOptions = {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
  };
  const [det, rec] = await Promise.all([
    ort.InferenceSession.create(path.join(spec.dir, cfg.detector), opts),
    ort.InferenceSession.create(path.join(spec.dir, cfg.recognizer), opts),
  ]);
  const charset = fs
    .readFileSync(path.join(spec.dir, cfg.charset), 'utf8')
    .replace(/\r?\n$/, '')
    .split(/\r?\n/);
  const detIn = det.inputNames[0] ?? 'x';
  const detOut = det.outputNames[0] ?? '';
  const recIn = rec.inputNames[0] ?? 'x';
  const recOut = rec.outputNames[0] ?? '';

  const readBox = async (img: PixelImage, box: TextBox, rotation: Rotation) => {
    const input = recognitionInput(img, box, rotation, cfg.lineHeight, cfg.maxLineWidth);
    const out = await rec.run({
      [recIn]: new ort.Tensor('float32', input.data, [1, 3, input.height, input.width]),
    });
    const t = out[recOut];
    if (!t) throw new Error(`model "${spec.id}": the recogniser gave no ${recOut}`);
    const [, steps = 0, classes = 0] = t.dims;
    return { ...ctcDecode(t.data as Float32Array, steps, classes, charset), rotation };
  };

  const readImage = async (img: PixelImage): Promise<OcrLine[]> => {
    const input = detectionInput(img, cfg.maxSide);
    const out = await det.run({
      [detIn]: new ort.Tensor('float32', input.data, [1, 3, input.height, input.width]),
    });
    const map = out[detOut];
    if (!map) throw new Error(`model "${spec.id}": the detector gave no ${detOut}`);
    const lines: OcrLine[] = [];
    for (const b of textBoxes(map.data as Float32Array, input.width, input.height, DB_DEFAULTS)) {
      const box = {
        x: b.x / input.scaleX,
        y: b.y / input.scaleY,
        width: b.width / input.scaleX,
        height: b.height / input.scaleY,
        score: b.score,
      };
      let best: (Decoded & { rotation: Rotation }) | null = null;
      for (const tier of orientations(box)) {
        if (best && best.score >= cfg.retryBelow) break;
        for (const rotation of tier) {
          const r = await readBox(img, box, rotation);
          if (!best || r.score > best.score) best = r;
        }
      }
      if (!best || best.text === '') continue;
      const x = Math.floor(box.x);
      const y = Math.floor(box.y);
      lines.push({
        x,
        y,
        width: Math.min(img.width, Math.ceil(box.x + box.width)) - x,
        height: Math.min(img.height, Math.ceil(box.y + box.height)) - y,
        text: best.text,
        score: best.score,
        boxScore: b.score,
        rotation: best.rotation,
      });
    }
    return lines;
  };

  return {
    async read(images) {
      const out: OcrLine[][] = [];
      for (const img of images) {
        if (img.data.length !== img.width * img.height * img.channels)
          throw new Error(
            `image buffer has ${img.data.length} bytes, expected ${img.width}×${img.height}×${img.channels}`,
          );
        out.push(await readImage(img));
      }
      return out;
    },
  };
}
