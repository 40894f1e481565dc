/**
 * The masks of an image: the one place that decides which rectangles are blanked in every copy of it that
 * leaves the project, whatever the format (de-identified DICOM, rendered PNG or JPEG). They are the rectangles
 * a person drew in the quarantine (`deid_masks`), the burned-in text the OCR model read as PHI or could not
 * decide (`pixel_text`,
 * of every frame of the image's file: a DICOM export blanks them on every frame), and the rule-table masks
 * (`MASK_RULES`, matched on the
 * image's modality, manufacturer, model and matrix size as the import stored them), in the image's pixel
 * coordinates (`images.columns` × `images.rows`). The DICOM writer blanks them on the decoded frames; the
 * renderer scales them to the rendered size (`scaleMasks`) and blanks them before resizing and encoding.
 */
import { type MaskRect, masksByRule } from '../deid-dicom/index.ts';
import type { Db } from '../project/database.ts';
import { ApiError } from '../errors.ts';

export interface ImageMasks {
  /** The coordinate space of `rects`: the image's columns and rows. */
  width: number;
  height: number;
  rects: MaskRect[];
  /** Where they came from: drawn rectangles, lines of PHI text read by OCR, the ids of the mask rules that matched. */
  drawn: number;
  ocr: number;
  rules: string[];
}

export function masksForImage(db: Db, imageId: number): ImageMasks {
  const row = db.prepare('SELECT rows, columns, modality, header FROM images WHERE id = ?').get(imageId) as
    { rows: number; columns: number; modality: string | null; header: string } | undefined;
  if (!row) throw new ApiError('not-found', `No image ${imageId}.`);
  const drawn = db
    .prepare('SELECT x, y, width, height FROM deid_masks WHERE image_id = ? ORDER BY id')
    .all(imageId) as MaskRect[];
  const ocr = db
    .prepare(
      `SELECT x, y, width, height FROM pixel_text
       WHERE category IN ('phi', 'unsure') AND image_id IN (SELECT id FROM images WHERE file_id = (SELECT file_id FROM images WHERE id = ?))
       ORDER BY id`,
    )
    .all(imageId) as MaskRect[];
  let header: Record<string, string> = {};
  try {
    header = JSON.parse(row.header) as Record<string, string>;
  } catch {
    // an unreadable header matches only rules without conditions on it
  }
  const modality = row.modality ?? header.Modality;
  const byRule = masksByRule({
    ...(modality ? { modality } : {}),
    ...(header.Manufacturer ? { manufacturer: header.Manufacturer } : {}),
    ...(header.ManufacturerModelName ? { model: header.ManufacturerModelName } : {}),
    rows: row.rows,
    columns: row.columns,
  });
  return {
    width: row.columns,
    height: row.rows,
    rects: [...drawn, ...ocr, ...byRule.flatMap((r) => r.rects)],
    drawn: drawn.length,
    ocr: ocr.length,
    rules: byRule.map((r) => r.rule),
  };
}

/**
 * The masks in the pixel grid of a rendering of `width` × `height` (the same image at another size, or a
 * decoder that reports another size). Edges round outwards, so a mask never shrinks by a partial pixel.
 */
export function scaleMasks(masks: ImageMasks, width: number, height: number): MaskRect[] {
  const sx = masks.width > 0 ? width / masks.width : 1;
  const sy = masks.height > 0 ? height / masks.height : 1;
  return masks.rects.flatMap((m) => {
    const x0 = Math.max(0, Math.floor(m.x * sx));
    const y0 = Math.max(0, Math.floor(m.y * sy));
    const x1 = Math.min(width, Math.ceil((m.x + m.width) * sx));
    const y1 = Math.min(height, Math.ceil((m.y + m.height) * sy));
    return x1 > x0 && y1 > y0 ? [{ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }] : [];
  });
}
