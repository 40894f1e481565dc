/**
 * Exports checked in pixels: an exported image file is read again by OCR, every view of every frame, and
 * any line decided `phi` is a leak. Used by the export's leak gate (images whose source had text) and by
 * `verify --ocr` (every image of a bundle).
 */
import sharp from 'sharp';
import type { ModelRunner } from '../../../native-models/index.ts';
import type { KnownIdentifiers, PhiCategory } from '../deid-text/index.ts';
import { parseDicom, prepareDecoding } from '../dicom/index.ts';
import { readPixelText } from './read.ts';
import { type PixelView, dicomViews, rasterViews } from './views.ts';

/** The views of an image file as a bundle carries it: DICOM by its name, anything else through sharp. */
export async function imageFileViews(name: string, bytes: Uint8Array): Promise<PixelView[]> {
  if (name.toLowerCase().endsWith('.dcm')) {
    const file = parseDicom(bytes);
    await prepareDecoding(file);
    return dicomViews(file);
  }
  const { data, info } = await sharp(bytes)
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const channels = info.channels === 1 ? 1 : 3;
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return rasterViews(
    info.width,
    info.height,
    channels,
    channels === 3 && info.channels !== 3 ? toRgb(pixels, info.channels) : pixels,
  );
}

function toRgb(data: Uint8Array, channels: number): Uint8Array {
  const n = data.length / channels;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++) out[i * 3 + c] = data[i * channels + Math.min(c, channels - 1)] ?? 0;
  return out;
}

export interface PixelCheckItem {
  file: string;
  bytes: () => Uint8Array;
  known: KnownIdentifiers;
}

export interface PixelHit {
  file: string;
  /** Where in the file: the frame and the view the text was read in (never the text). */
  record: string;
  category: PhiCategory;
}

export interface PixelCheck {
  checked: number;
  /** Lines read in all the files, and the files that could not be read as images. */
  linesRead: number;
  unreadable: string[];
  hits: PixelHit[];
  device: string | null;
}

/** OCR of each file, one at a time (one file's views in memory at once). */
export async function checkImageFiles(
  runner: ModelRunner,
  model: string,
  items: Iterable<PixelCheckItem>,
  signal?: AbortSignal,
): Promise<PixelCheck> {
  const out: PixelCheck = { checked: 0, linesRead: 0, unreadable: [], hits: [], device: null };
  for (const item of items) {
    if (signal?.aborted) throw new Error('cancelled');
    let views: PixelView[];
    try {
      views = await imageFileViews(item.file, item.bytes());
    } catch {
      out.unreadable.push(item.file);
      continue;
    }
    const { decisions, run } = await readPixelText(runner, model, views, item.known, signal);
    out.checked++;
    out.device = run.device;
    out.linesRead += decisions.length;
    for (const d of decisions)
      if (d.category === 'phi')
        out.hits.push({
          file: item.file,
          record: `frame ${d.frame + 1} ${d.view}`,
          category: d.phi ?? 'NAME',
        });
  }
  return out;
}
