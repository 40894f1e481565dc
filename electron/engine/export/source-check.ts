/**
 * Export writes what de-identification decided about a source as it was imported. A source file changed
 * since (a name burned into its pixels, another image saved over it) would be exported unseen, so every
 * source that export reads is decoded and its pixels hashed again against the hash stored at import.
 */
import type { DecodedFrame } from '../dicom/index.ts';
import { pixelHash } from '../dicom/index.ts';
import { ApiError } from '../errors.ts';

/** Throws a conflict naming the image (never its path, which may hold a name) when its pixels changed. */
export function assertPixelsUnchanged(image: { id: number; pixelHash: string }, decoded: DecodedFrame): void {
  if (pixelHash(decoded) === image.pixelHash) return;
  throw new ApiError(
    'conflict',
    `The source file of image ${image.id} changed after it was imported (its pixels differ from the ones de-identified); re-import the source and run de-identification again before exporting.`,
  );
}
