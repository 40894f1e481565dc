// Masks reach every exported pixel format: a person draws a rectangle over bright pixels of a DICOM-sourced and
// of a PNG-sourced image, and the PNG, JPEG and DICOM bundles are decoded back (sharp for PNG/JPEG, our DICOM
// parser for DICOM) to show the rectangle blanked in each.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleProject, type SampleProject } from '../../../test/support/sample-project.ts';
import type { MaskRectangle } from '../../api/deid.ts';
import { masksForImage, scaleMasks } from '../deid/index.ts';
import { decodeFrame, parseDicom, readPixelInfo, renderFrame } from '../dicom/index.ts';
import { decodeRaster, render8 } from '../import/process-raster-file.ts';
import { Project } from '../project/project.ts';
import { planBundle } from './bundle.ts';
import type { SourceImage } from './images.ts';

let sp: SampleProject;
let project: Project;
interface Case {
  label: string;
  name: string;
  im: SourceImage;
  columns: number;
  rows: number;
  rect: MaskRectangle;
}
const cases: Case[] = [];

async function render(abs: string) {
  const bytes = fs.readFileSync(abs);
  if (/\.(?:png|jpe?g)$/iu.test(abs)) return render8(await decodeRaster(bytes)).image;
  const file = parseDicom(bytes);
  return renderFrame(file.dataset, decodeFrame(file, 0, readPixelInfo(file.dataset)));
}

/** The brightest cell of a 4 × 4 grid over the rendered source: a region with known bright pixels. */
async function brightCell(abs: string): Promise<{ rect: MaskRectangle; max: number }> {
  const r = await render(abs);
  const w = Math.floor(r.width / 4);
  const h = Math.floor(r.height / 4);
  let best = { rect: { x: 0, y: 0, width: w, height: h }, mean: -1, max: 0 };
  for (let gy = 0; gy < 4; gy++)
    for (let gx = 0; gx < 4; gx++) {
      let sum = 0;
      let max = 0;
      for (let y = gy * h; y < (gy + 1) * h; y++)
        for (let x = gx * w; x < (gx + 1) * w; x++) {
          const v = r.data[(y * r.width + x) * r.channels]!;
          sum += v;
          if (v > max) max = v;
        }
      if (sum / (w * h) > best.mean)
        best = { rect: { x: gx * w, y: gy * h, width: w, height: h }, mean: sum / (w * h), max };
    }
  return { rect: best.rect, max: best.max };
}

async function exportTo(out: string, images: 'png' | 'jpeg' | 'dicom') {
  const job = await sp.engine.waitForJob(
    (await sp.engine.invoke('export.run', { format: 'llava', out, images, maxSide: 128 })).id,
  );
  expect(job.state, job.message).toBe('done');
}

/** Max and count of the pixels inside `rect` (in the decoded file's grid), shrunk by `margin` on every side. */
function inside(
  img: { width: number; height: number; channels: number; data: ArrayLike<number> },
  rect: MaskRectangle,
  margin: number,
) {
  let max = -Infinity;
  let min = Infinity;
  let n = 0;
  for (let y = rect.y + margin; y < rect.y + rect.height - margin; y++)
    for (let x = rect.x + margin; x < rect.x + rect.width - margin; x++)
      for (let c = 0; c < img.channels; c++) {
        const v = img.data[(y * img.width + x) * img.channels + c]!;
        if (v > max) max = v;
        if (v < min) min = v;
        n++;
      }
  return { max, min, n };
}

async function decodedRaster(file: string) {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

/** The mask in the grid of an exported file of `width` × `height`. */
function maskIn(c: Case, width: number, height: number): MaskRectangle {
  const [r] = scaleMasks(
    { width: c.columns, height: c.rows, rects: [c.rect], drawn: 1, ocr: 0, rules: [] },
    width,
    height,
  );
  return r!;
}

beforeAll(async () => {
  sp = await sampleProject();
  project = Project.open(sp.dir);
  const plan = planBundle(project, { format: 'llava', images: 'png', maxSide: 128 });
  const entries = [...plan.images.entries()];
  const dicom = entries.find(([, im]) => !/\.(?:png|jpe?g)$/iu.test(im.abs));
  const raster = entries.find(([, im]) => /\.(?:png|jpe?g)$/iu.test(im.abs));
  for (const [label, entry] of [
    ['DICOM-sourced', dicom],
    ['PNG-sourced', raster],
  ] as const) {
    expect(entry, label).toBeDefined();
    const [name, im] = entry!;
    const { rect, max } = await brightCell(im.abs);
    expect(max, `${label}: the region has bright pixels before masking`).toBeGreaterThan(150);
    const { rows, columns } = project.db
      .prepare('SELECT rows, columns FROM images WHERE id = ?')
      .get(im.id) as { rows: number; columns: number };
    await sp.engine.invoke('deid.masks.set', { imageId: im.id, masks: [rect] });
    cases.push({ label, name: name.replace(/\.png$/u, ''), im, columns, rows, rect });
  }
  await exportTo(path.join(sp.tmp, 'masked-png'), 'png');
  await exportTo(path.join(sp.tmp, 'masked-jpeg'), 'jpeg');
  await exportTo(path.join(sp.tmp, 'masked-dicom'), 'dicom');
});
afterAll(async () => {
  project.close();
  await sp.dispose();
});

// The renderings are resized after masking, so output pixels on the rectangle's edge blend the blank with its
// unmasked neighbours (and Lanczos rings there): the checks look inside a margin of the resampling kernel.
const KERNEL = 3;

describe('masks apply to every exported pixel format', () => {
  it('one function gives the drawn masks of an image, in its pixel grid', () => {
    for (const c of cases) {
      const m = masksForImage(project.db, c.im.id);
      expect(m.rects).toEqual([c.rect]);
      expect([m.width, m.height]).toEqual([c.columns, c.rows]);
    }
  });

  it('PNG: the rectangle is black in the resized rendering, the rest is not', async () => {
    for (const c of cases) {
      const img = await decodedRaster(path.join(sp.tmp, 'masked-png', `${c.name}.png`));
      const m = inside(img, maskIn(c, img.width, img.height), KERNEL);
      expect(m.n, c.label).toBeGreaterThan(100);
      expect(m.max, c.label).toBe(0);
      expect(Math.max(...img.data), c.label).toBeGreaterThan(150);
    }
  });

  it('JPEG: the rectangle is black (up to the codec’s ringing)', async () => {
    for (const c of cases) {
      const img = await decodedRaster(path.join(sp.tmp, 'masked-jpeg', `${c.name}.jpg`));
      const m = inside(img, maskIn(c, img.width, img.height), KERNEL);
      expect(m.n, c.label).toBeGreaterThan(100);
      expect(m.max, c.label).toBeLessThanOrEqual(8);
    }
  });

  it('DICOM: the decoded frame is one fill value over the rectangle; a raster source goes out as masked PNG', async () => {
    const [dicomCase, rasterCase] = cases;
    const dir = path.join(sp.tmp, 'masked-dicom');
    const file = parseDicom(fs.readFileSync(path.join(dir, `${dicomCase!.name}.dcm`)));
    const info = readPixelInfo(file.dataset);
    const frame = decodeFrame(file, 0, info);
    expect([info.columns, info.rows]).toEqual([dicomCase!.columns, dicomCase!.rows]);
    const m = inside(
      { width: info.columns, height: info.rows, channels: info.samplesPerPixel, data: frame.data },
      dicomCase!.rect,
      0,
    );
    expect(m.n).toBe(dicomCase!.rect.width * dicomCase!.rect.height);
    expect(m.max).toBe(m.min);
    // The fill is the darkest value as displayed: the rendered frame is black there.
    const shown = renderFrame(file.dataset, frame);
    expect(inside(shown, dicomCase!.rect, 0).max).toBe(0);
    const png = await decodedRaster(path.join(dir, `${rasterCase!.name}.png`));
    expect(inside(png, maskIn(rasterCase!, png.width, png.height), KERNEL).max).toBe(0);
  });
});
