/**
 * Bits of Bits Allocated outside Bits Stored (e.g. bits 12–15 of a 12-bit radiograph) are not part of the
 * image, and a viewer ignores them, but they travel in the file: overlays were once stored there, and a name
 * can be hidden there. Every export zeroes them (the pixel data is rewritten through `maskedPixelData`, which
 * keeps only Bits Stored); this finds the files that need it.
 */
import { type DicomFile, type PixelInfo, pixelDataElement, readPixelInfo } from '../dicom/index.ts';

/** True when native pixel data has a bit set outside Bits Stored in any sample. */
export function hasUnusedBitsSet(file: DicomFile): boolean {
  const el = pixelDataElement(file);
  if (el === undefined || el.encapsulated !== undefined || el.notRead === true) return false;
  let info: PixelInfo;
  try {
    info = readPixelInfo(file.dataset);
  } catch {
    // A pixel module that cannot be read cannot be rewritten either; the file goes out as before.
    return false;
  }
  if (info.bitsStored >= info.bitsAllocated || (info.bitsAllocated !== 8 && info.bitsAllocated !== 16))
    return false;
  const used = ((1 << info.bitsStored) - 1) << (info.highBit + 1 - info.bitsStored);
  const unused = ~used & ((1 << info.bitsAllocated) - 1);
  const bytes = el.value;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (info.bitsAllocated === 8) {
    for (let i = 0; i < bytes.length; i++) if (((bytes[i] ?? 0) & unused) !== 0) return true;
    return false;
  }
  for (let i = 0; i + 1 < bytes.length; i += 2)
    if ((view.getUint16(i, el.littleEndian) & unused) !== 0) return true;
  return false;
}
