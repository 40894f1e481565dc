/**
 * Bundle images, rendered from the source pixels: DICOM through our decoder and VOI rendering, PNG/JPEG
 * sources through the raster decoder; the image's masks (`masksForImage`: drawn in the quarantine and rule
 * masks) blanked at full size, then resized to fit the chosen side and written as PNG or JPEG. The PNG
 * rendering is cached in the project (cache/renders/<side>/), keyed by the pixels and the masks, so a second
 * export reads it. `dicom` writes the de-identified Part 10 the deid stage's run regenerates
 * (`deidentifiedDicomBytes`: the run's options, the same masks) for DICOM sources; raster sources stay PNG.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { applyMasks } from '../deid-dicom/index.ts';
import { deidentifiedDicomBytes, masksForImage, scaleMasks, sourceFile } from '../deid/index.ts';
import {
  type DecodedFrame,
  decodeFrame,
  parseDicom,
  prepareDecoding,
  readPixelInfo,
  renderFrame,
} from '../dicom/index.ts';
import { decodeRaster, render8 } from '../import/process-raster-file.ts';
import { writeRendering } from '../import/thumbnail.ts';
import type { Project } from '../project/project.ts';
import type { ExportImageKind } from '../../api/export.ts';
import { identityKeySql } from '../patients/identity.ts';
import { assertPixelsUnchanged } from './source-check.ts';

export interface SourceImage {
  id: number;
  frame: number;
  sopUid: string;
  pixelHash: string;
  abs: string;
  patientKey: string;
  transferSyntax: string;
  /** Size and modification time recorded at import (-1 when unknown). */
  size: number;
  mtimeMs: number;
}

export function sourceImages(project: Project, ids: readonly number[]): Map<number, SourceImage> {
  const stmt = project.db.prepare(
    `SELECT i.id, i.frame, i.sop_uid AS sopUid, i.pixel_hash AS pixelHash, i.transfer_syntax AS transferSyntax,
            src.path AS root, f.rel_path AS rel, ${identityKeySql('p')} AS patientKey, f.size,
            f.mtime_ms AS mtimeMs
     FROM images i JOIN files f ON f.id = i.file_id JOIN sources src ON src.id = f.source_id
     JOIN series se ON se.id = i.series_id JOIN studies s ON s.id = se.study_id
     JOIN patients p ON p.id = s.patient_id WHERE i.id = ?`,
  );
  const out = new Map<number, SourceImage>();
  for (const id of ids) {
    const r = stmt.get(id) as (Omit<SourceImage, 'abs'> & { root: string; rel: string }) | undefined;
    if (!r) throw new Error(`image ${id} is not in the project`);
    out.set(id, { ...r, abs: sourceFile(r.root, r.rel) });
  }
  return out;
}

const isDicom = (im: SourceImage) => !/\.(?:png|jpe?g)$/iu.test(im.abs);

export function extensionFor(im: SourceImage, kind: ExportImageKind): 'png' | 'jpg' | 'dcm' {
  if (kind === 'dicom') return isDicom(im) ? 'dcm' : 'png';
  return kind === 'jpeg' ? 'jpg' : 'png';
}

/** The source frame's stored values, checked against the pixels imported (see source-check.ts). */
async function decodeUnchanged(im: SourceImage, bytes: Buffer): Promise<DecodedFrame> {
  let decoded: DecodedFrame;
  if (isDicom(im)) {
    const file = parseDicom(bytes);
    await prepareDecoding(file);
    decoded = decodeFrame(file, im.frame, readPixelInfo(file.dataset));
  } else {
    decoded = await decodeRaster(bytes);
  }
  assertPixelsUnchanged(im, decoded);
  return decoded;
}

function fileTouched(im: SourceImage): boolean {
  if (im.size < 0) return true;
  const st = fs.statSync(im.abs);
  return st.size !== im.size || Math.trunc(st.mtimeMs) !== im.mtimeMs;
}

async function renderPng(project: Project, im: SourceImage, maxSide: number): Promise<Buffer> {
  const folder = `renders/${maxSide}`;
  const masks = masksForImage(project.db, im.id);
  // Unmasked renderings are shared by identical pixels; a masked one is keyed by its masks too.
  const key =
    masks.rects.length === 0
      ? im.pixelHash
      : `${im.pixelHash}-m${createHash('sha256')
          .update(JSON.stringify([masks.width, masks.height, masks.rects]))
          .digest('hex')
          .slice(0, 16)}`;
  const cached = path.join(project.cacheDir, folder, key.slice(0, 2), `${key}.png`);
  if (!fs.existsSync(cached)) {
    const bytes = fs.readFileSync(im.abs);
    const decoded = await decodeUnchanged(im, bytes);
    const rendered = isDicom(im) ? renderFrame(parseDicom(bytes).dataset, decoded) : render8(decoded).image;
    // Blank at full size, before resizing: a downscale would otherwise blend masked pixels with their neighbours.
    applyMasks(rendered, scaleMasks(masks, rendered.width, rendered.height), 0);
    await writeRendering(project.cacheDir, folder, key, rendered, maxSide);
  }
  return fs.readFileSync(cached);
}

/**
 * The bytes of one bundle image. A DICOM one is regenerated with the app version of this process, as the
 * de-identification stage's preview does.
 */
export async function imageBytes(
  project: Project,
  im: SourceImage,
  kind: ExportImageKind,
  maxSide: number,
): Promise<Buffer> {
  const ext = extensionFor(im, kind);
  if (ext === 'dcm') {
    // The run's options and the image's masks; burned-in text is the de-identification stage's decision
    // (quarantine), and export only receives images it let through, as they were when it decided.
    await decodeUnchanged(im, fs.readFileSync(im.abs));
    return Buffer.from(await deidentifiedDicomBytes(project, im.id));
  }
  // A cached rendering comes from the pixels as imported; a file touched since is decoded and checked anyway.
  if (fileTouched(im)) await decodeUnchanged(im, fs.readFileSync(im.abs));
  const png = await renderPng(project, im, maxSide);
  if (ext === 'png') return png;
  return sharp(png).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
}
