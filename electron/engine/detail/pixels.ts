/**
 * The detail view's pixels: an image's modality values (the import's decode + Modality LUT), averaged down to
 * at most DETAIL_MAX_SIDE px, cached under the project's cache as little-endian Float32 plus a JSON sidecar.
 * The renderer windows them itself, so dragging window/level never goes back to the engine.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DETAIL_MAX_SIDE, detailPixelsPath, type DetailPixels, type PixelWindow } from '../../api/detail.ts';
import {
  DicomError,
  decodeFrame,
  getNumbers,
  getStrings,
  modalityValues,
  paletteToRgb,
  parseDicom,
  readPixelInfo,
  type DecodedFrame,
} from '../dicom/index.ts';
import { sourceFile } from '../deid/images.ts';
import { ApiError } from '../errors.ts';
import { RASTER_EXTENSIONS, decodeRaster } from '../import/process-raster-file.ts';
import type { Db } from '../project/database.ts';
import { writePrivateAtomic } from '../project/private-files.ts';
import type { Project } from '../project/project.ts';

interface ImageSourceRow {
  source: string;
  rel: string;
  frame: number;
  pixel_hash: string;
  window_center: number | null;
  window_width: number | null;
}

/** Cache path (relative to cacheDir) of an image's values; the sidecar is the same path with `.json`. */
function cacheRel(imageId: number, pixelHash: string): string {
  return `pixels/${pixelHash.slice(0, 2)}/${pixelHash}-${imageId}.f32`;
}

/**
 * The cached values file for a media URL of `detailPixelsPath` with the SHA-256 its sidecar recorded, or null
 * (unknown image, stale hash, not made yet).
 */
export function pixelsMediaFile(
  db: Db,
  cacheDir: string,
  imageId: number,
  pixelHash: string,
): { file: string; sha256: string } | null {
  const row = db.prepare('SELECT pixel_hash FROM images WHERE id = ?').get(imageId) as
    { pixel_hash: string } | undefined;
  if (row?.pixel_hash !== pixelHash) return null;
  const file = path.join(cacheDir, cacheRel(imageId, pixelHash));
  // Made by `detail.pixels`; before that the URL is unknown (404), not a failed read.
  if (!existsSync(`${file}.json`)) return null;
  try {
    const { sha256 } = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { sha256?: unknown };
    return typeof sha256 === 'string' ? { file, sha256 } : null;
  } catch {
    return null;
  }
}

export async function detailPixels(project: Project, imageId: number): Promise<DetailPixels> {
  const row = project.db
    .prepare(
      `SELECT sources.path AS source, files.rel_path AS rel, images.frame, images.pixel_hash,
         images.window_center, images.window_width
       FROM images JOIN files ON files.id = images.file_id JOIN sources ON sources.id = files.source_id
       WHERE images.id = ?`,
    )
    .get(imageId) as ImageSourceRow | undefined;
  if (!row) throw new ApiError('not-found', `No image ${imageId}.`);
  const rel = cacheRel(imageId, row.pixel_hash);
  const abs = path.join(project.cacheDir, rel);
  const url = detailPixelsPath(imageId, row.pixel_hash);
  const cached = await readSidecar(`${abs}.json`);
  if (cached) return { ...cached, url };

  const decoded = await decodeSource(sourceFile(row.source, row.rel), row);
  const small = downsample(decoded.values, decoded.width, decoded.height, decoded.channels);
  let min = Infinity;
  let max = -Infinity;
  for (const v of small.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) [min, max] = [0, 0];
  const windows = [
    ...decoded.windows,
    { center: (min + max) / 2, width: Math.max(1, max - min), label: 'Full range' },
  ];
  const meta: Omit<DetailPixels, 'url'> = {
    width: small.width,
    height: small.height,
    channels: decoded.channels,
    sourceWidth: decoded.width,
    sourceHeight: decoded.height,
    min,
    max,
    photometric: decoded.photometric,
    windows,
  };
  // Values first, sidecar last: a sidecar on disk means the values beside it are complete. The sidecar keeps
  // the values' hash so the media route serves only the bytes written here.
  const bytes = Buffer.from(small.data.buffer, small.data.byteOffset, small.data.byteLength);
  await writePrivateAtomic(abs, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await writePrivateAtomic(`${abs}.json`, JSON.stringify({ ...meta, sha256 }));
  return { ...meta, url };
}

interface Decoded {
  values: Float32Array;
  width: number;
  height: number;
  channels: 1 | 3;
  photometric: string;
  windows: PixelWindow[];
}

async function decodeSource(file: string, row: ImageSourceRow): Promise<Decoded> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    // The path can name the patient: only the error code goes out.
    throw new ApiError(
      'unavailable',
      `The source file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
  if (RASTER_EXTENSIONS.has(path.extname(file).toLowerCase()))
    return fromFrame(await decodeRaster(bytes), [], null);
  try {
    const parsed = parseDicom(bytes);
    const ds = parsed.dataset;
    const stored = decodeFrame(parsed, row.frame, readPixelInfo(ds));
    const decoded = stored.info.photometric === 'PALETTE COLOR' ? paletteToRgb(ds, stored) : stored;
    const modality = decoded.info.samplesPerPixel === 1 ? modalityValues(ds, decoded) : null;
    return fromFrame(
      decoded,
      headerWindows(getNumbers(ds, 0x00281050), getNumbers(ds, 0x00281051), getStrings(ds, 0x00281055), row),
      modality,
    );
  } catch (err) {
    if (err instanceof DicomError)
      throw new ApiError('unavailable', `The image cannot be decoded: ${err.message}.`);
    throw err;
  }
}

/** Every header window (they come in parallel lists), else the window the import rendered with. */
function headerWindows(
  centers: number[],
  widths: number[],
  labels: string[],
  row: ImageSourceRow,
): PixelWindow[] {
  const out: PixelWindow[] = [];
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    const width = widths[i]!;
    if (!(width > 0)) continue;
    out.push({ center: centers[i]!, width, label: labels[i]?.trim() || `Header ${i + 1}` });
  }
  if (out.length === 0 && row.window_center !== null && row.window_width !== null && row.window_width > 0)
    out.push({ center: row.window_center, width: row.window_width, label: 'Import window' });
  return out;
}

function fromFrame(d: DecodedFrame, windows: PixelWindow[], modality: Float64Array | null): Decoded {
  const channels = d.info.samplesPerPixel === 3 ? 3 : 1;
  const source = modality ?? d.data;
  const values = new Float32Array(source.length);
  for (let i = 0; i < source.length; i++) values[i] = source[i]!;
  return {
    values,
    width: d.info.columns,
    height: d.info.rows,
    channels,
    photometric: d.info.photometric,
    windows,
  };
}

/** Box average by a whole factor, so the longer side fits DETAIL_MAX_SIDE (edge blocks average what they hold). */
export function downsample(
  values: Float32Array,
  width: number,
  height: number,
  channels: number,
): { data: Float32Array; width: number; height: number } {
  const f = Math.max(1, Math.ceil(Math.max(width, height) / DETAIL_MAX_SIDE));
  if (f === 1) return { data: values, width, height };
  const w = Math.ceil(width / f);
  const h = Math.ceil(height / f);
  const sum = new Float64Array(w * h * channels);
  const n = new Uint32Array(w * h);
  for (let y = 0; y < height; y++) {
    const oy = Math.floor(y / f) * w;
    for (let x = 0; x < width; x++) {
      const o = oy + Math.floor(x / f);
      n[o] = n[o]! + 1;
      const src = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) sum[o * channels + c] = sum[o * channels + c]! + values[src + c]!;
    }
  }
  const data = new Float32Array(sum.length);
  for (let i = 0; i < data.length; i++) data[i] = sum[i]! / n[Math.floor(i / channels)]!;
  return { data, width: w, height: h };
}

async function readSidecar(file: string): Promise<Omit<DetailPixels, 'url'> | null> {
  try {
    const { sha256, ...meta } = JSON.parse(await fs.readFile(file, 'utf8')) as Omit<DetailPixels, 'url'> & {
      sha256?: string;
    };
    // A sidecar from before values were hashed is made again, so that its values can be served.
    return sha256 ? meta : null;
  } catch {
    return null;
  }
}
