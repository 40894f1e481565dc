/**
 * Content-addressed renderings under the project cache: `<folder>/<first two hex>/<pixelHash>.png`
 * (thumbnails in `thumbs/`, training renderings in `renders/<size>/`), so the same pixels share one file
 * whatever file they came from.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

export interface Rendered8 {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

export function writeThumbnail(cacheDir: string, hash: string, r: Rendered8, size = 256): Promise<string> {
  return writeRendering(cacheDir, 'thumbs', hash, r, size);
}

/** A PNG of the rendered image fitting within size x size (never enlarged); returns its path under cacheDir. */
export async function writeRendering(
  cacheDir: string,
  folder: string,
  hash: string,
  r: Rendered8,
  size: number,
): Promise<string> {
  const rel = `${folder}/${hash.slice(0, 2)}/${hash}.png`;
  const dest = join(cacheDir, rel);
  if (await exists(dest)) return rel;
  const png = await sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } })
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer();
  await mkdir(join(cacheDir, folder, hash.slice(0, 2)), { recursive: true });
  // Write then rename so a concurrent reader (or a crash) never sees half a PNG.
  const tmp = `${dest}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tmp, png);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return rel;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
