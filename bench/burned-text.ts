/**
 * Burned-in text: does de-identification mask every identifier, keep the markers and leave clean radiographs
 * alone? Checked by an independent reader (Debian's tesseract-ocr), with OCR time per image on the CPU.
 *
 *   node bench/burned-text.ts [--images 60] [--clean 100] [--seed 19] [--keep DIR]   (bench/run.ts calls run())
 *
 * The set: scripts/make-burned-text.py writes radiographs of 512–2048 px with a name, an MRN and a birth date
 * burned in at random sizes, positions, angles (0/90/180/270), contrasts (bright, dim, below the display
 * window, in an unused high bit, coloured of equal luminance in a PNG) and frames, most with a laterality or
 * position marker; then clean radiographs (a marker or nothing). Each image goes the way export takes it:
 * views → OCR (the bundled PP-OCRv4 through the model process) → decisions → masks → the de-identified DICOM
 * (deidentifyDicom) or the masked PNG. Then, for every line drawn:
 * - identifier masked: its whole drawn box lies under the masks (pixel coverage ≥ 99 %), and tesseract, run
 *   on that spot of every view of the export, turned upright, reads none of it (it is also run on the source,
 *   to show it can read the line there);
 * - marker kept: at most 10 % of its box masked;
 * - a clean radiograph is sent to review when a line is 'unsure' (or an identifier is invented on it).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ModelRunner } from '../native-models/index.ts';
import {
  type PixelView,
  dicomViews,
  fold,
  rasterViews,
  readPixelText,
} from '../electron/engine/burned-text/index.ts';
import { applyMasks, deidentifyDicom, type MaskRect } from '../electron/engine/deid-dicom/index.ts';
import { parseDicom, prepareDecoding } from '../electron/engine/dicom/index.ts';
import { isMain, median, type BenchOptions, type BenchResult } from './lib/types.ts';

const MODEL = 'paddleocr-ppocrv4';
const repo = path.resolve(import.meta.dirname, '..');

interface TruthLine {
  text: string;
  role: 'identifier' | 'marker';
  x: number;
  y: number;
  width: number;
  height: number;
  angle: 0 | 90 | 180 | 270;
  frame: number;
}

interface Truth {
  file: string;
  rows: number;
  columns: number;
  frames: number;
  kind: string;
  lines: TruthLine[];
  patient: { name: string; id: string };
}

async function viewsOf(file: string, bytes: Uint8Array): Promise<PixelView[]> {
  if (file.endsWith('.png')) {
    const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return rasterViews(info.width, info.height, 3, new Uint8Array(data));
  }
  const dicom = parseDicom(bytes);
  await prepareDecoding(dicom);
  return dicomViews(dicom);
}

/** Share of a box's pixels under the union of the masks. */
function covered(b: { x: number; y: number; width: number; height: number }, masks: MaskRect[]): number {
  let n = 0;
  for (let y = b.y; y < b.y + b.height; y++)
    for (let x = b.x; x < b.x + b.width; x++)
      if (masks.some((m) => x >= m.x && x < m.x + m.width && y >= m.y && y < m.y + m.height)) n++;
  return n / (b.width * b.height);
}

/** What tesseract reads at a line's spot in a view, turned upright and enlarged (one line, --psm 7). */
async function tesseract(view: PixelView, line: TruthLine, tmp: string): Promise<string> {
  const pad = Math.round(Math.min(line.width, line.height) * 0.4);
  const left = Math.max(0, line.x - pad);
  const top = Math.max(0, line.y - pad);
  const width = Math.min(view.width - left, line.width + 2 * pad);
  const height = Math.min(view.height - top, line.height + 2 * pad);
  const crop = path.join(tmp, 'crop.png');
  const raw = { width: view.width, height: view.height, channels: view.channels };
  const spot = await sharp(Buffer.from(view.data), { raw })
    .extract({ left, top, width, height })
    .png()
    .toBuffer();
  await sharp(spot)
    .rotate(line.angle === 0 ? 0 : 360 - line.angle)
    .resize({ height: Math.max(64, (line.angle % 180 === 0 ? height : width) * 2) })
    .png()
    .toFile(crop);
  const r = spawnSync('tesseract', [crop, '-', '--psm', '7'], { encoding: 'utf8' });
  if (r.error) throw new Error(`tesseract is needed (apt-get install tesseract-ocr): ${r.error.message}`);
  return r.stdout.trim();
}

/** The parts of an identifier a reader must not recover: name parts, the digits of the MRN and the date. */
function secretParts(text: string): string[] {
  return text
    .replace(/^(MRN|DOB)\s+/, '')
    .split(/[\^\s-]+/)
    .map(fold)
    .filter((p) => p.length >= 3);
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const { values } = parseArgs({
    args: opts.argv,
    options: {
      images: { type: 'string', default: '60' },
      clean: { type: 'string', default: '100' },
      seed: { type: 'string', default: '19' },
      keep: { type: 'string' },
    },
    strict: false,
  });
  const dir =
    typeof values.keep === 'string' ? values.keep : fs.mkdtempSync(path.join(os.tmpdir(), 'burned-'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'burned-crop-'));
  const gen = spawnSync(
    '/usr/bin/python3',
    [
      path.join(repo, 'scripts', 'make-burned-text.py'),
      'bench',
      dir,
      String(values.images),
      String(values.clean),
      String(values.seed),
    ],
    { encoding: 'utf8' },
  );
  if (gen.status !== 0) throw new Error(`generating the set failed: ${gen.stderr}`);
  const truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8')) as Truth[];
  const runner = new ModelRunner({ device: 'cpu' });
  const secret = Buffer.alloc(32, 7);
  const ocrMs: number[] = [];
  let identifiers = 0;
  let masked = 0;
  let readInSource = 0;
  let readInExport = 0;
  let markers = 0;
  let markersKept = 0;
  let clean = 0;
  let cleanReviewed = 0;
  let textImagesReviewed = 0;
  const missed: string[] = [];
  let device = 'cpu';
  let peakRss: number;
  const wall = performance.now();
  try {
    for (const t of truth) {
      const bytes = fs.readFileSync(path.join(dir, t.file));
      const views = await viewsOf(t.file, bytes);
      const known = { patientNames: [t.patient.name], patientIds: [t.patient.id] };
      const start = performance.now();
      const { decisions, run } = await readPixelText(runner, MODEL, views, known);
      ocrMs.push(performance.now() - start);
      process.stderr.write(
        `${ocrMs.length}/${truth.length} ${t.file} ${t.kind} ${Math.round(ocrMs.at(-1)!)} ms\n`,
      );
      device = run.device;
      // What export masks: PHI and text the engine could not decide (the image also goes to review).
      const masks = decisions.filter((d) => d.category === 'phi' || d.category === 'unsure');
      const reviewed = decisions.some((d) => d.category === 'unsure');
      let exported: PixelView[];
      if (t.file.endsWith('.png')) {
        const [v] = views;
        const data = Uint8Array.from(v!.data);
        applyMasks({ width: v!.width, height: v!.height, channels: v!.channels, data }, masks, 0);
        exported = rasterViews(v!.width, v!.height, v!.channels, data);
      } else {
        const out = await deidentifyDicom(bytes, { secret, appVersion: 'bench', masks, detectText: false });
        exported = await viewsOf(t.file, out.bytes);
      }
      if (t.kind === 'clean') {
        clean++;
        if (reviewed || decisions.some((d) => d.category === 'phi')) cleanReviewed++;
      } else if (reviewed) textImagesReviewed++;
      for (const line of t.lines) {
        const share = covered(line, masks);
        if (line.role === 'marker') {
          markers++;
          if (share <= 0.1) markersKept++;
          continue;
        }
        identifiers++;
        const parts = secretParts(line.text);
        const reads = async (vs: PixelView[]) => {
          for (const v of vs.filter((x) => x.frame === line.frame || t.frames === 1)) {
            const got = fold(await tesseract(v, line, tmp));
            if (parts.some((p) => got.includes(p))) return true;
          }
          return false;
        };
        if (await reads(views)) readInSource++;
        const leaked = await reads(exported);
        if (leaked) readInExport++;
        if (share >= 0.99 && !leaked) masked++;
        else
          missed.push(
            `${t.file} ${t.kind} angle ${line.angle} covered ${(share * 100).toFixed(0)} %${leaked ? ', read by tesseract' : ''}`,
          );
      }
    }
    peakRss = (await runner.stats()).peakRss;
  } finally {
    runner.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    if (typeof values.keep !== 'string') fs.rmSync(dir, { recursive: true, force: true });
  }
  const pct = (a: number, b: number) => (b === 0 ? 0 : (100 * a) / b);
  return {
    name: 'burned-text',
    figures: [
      {
        label: 'identifier lines masked (whole box, unreadable by tesseract)',
        value: pct(masked, identifiers),
        unit: '%',
      },
      {
        label: 'identifier lines tesseract reads in the sources',
        value: readInSource,
        unit: `of ${identifiers}`,
      },
      {
        label: 'identifier lines tesseract reads in the exports',
        value: readInExport,
        unit: `of ${identifiers}`,
      },
      { label: 'markers kept', value: pct(markersKept, markers), unit: `% of ${markers}` },
      { label: 'clean radiographs sent to review', value: pct(cleanReviewed, clean), unit: `% of ${clean}` },
      {
        label: 'radiographs with text sent to review',
        value: pct(textImagesReviewed, truth.length - clean),
        unit: '%',
      },
      { label: `OCR per image, median (${device}, all views and frames)`, value: median(ocrMs), unit: 'ms' },
      {
        label: 'OCR per image, mean',
        value: ocrMs.reduce((a, b) => a + b, 0) / Math.max(1, ocrMs.length),
        unit: 'ms',
      },
      { label: 'peak RSS of the model process', value: peakRss / 2 ** 20, unit: 'MiB' },
    ],
    notes: [
      `${truth.length} images (${truth.length - clean} with text, ${clean} clean), seed ${String(values.seed)}, 512–2048 px`,
      `wall ${((performance.now() - wall) / 1000).toFixed(0)} s with tesseract; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores at the end`,
      ...missed.slice(0, 20).map((m) => `not masked: ${m}`),
    ],
  };
}

if (isMain(import.meta.url)) {
  const { formatFigures } = await import('./lib/types.ts');
  console.log(formatFigures(await run({ argv: process.argv.slice(2) })));
}
