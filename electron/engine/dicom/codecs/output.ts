/** Shared by the compressed codecs: check what a decoder produced and shape it for unpacking. */
import type { CodecOutput } from '../codecs.ts';
import { DicomError } from '../errors.ts';
import type { PixelInfo } from '../pixel-info.ts';

export interface DecodedImage {
  width: number;
  height: number;
  components: number;
  /** Bytes per decoded sample: 1, or 2 (little endian). */
  bytesPerSample: number;
  samples: Uint8Array;
}

/** A decoder's own message, cut to a short single line: it describes the stream, not the patient. */
export function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : typeof err === 'string' ? err : 'decoder error';
  return (
    text
      .replace(/[^\x20-\x7e]+/g, ' ')
      .trim()
      .slice(0, 160) || 'decoder error'
  );
}

/** Run a decoder; whatever it throws becomes a 'corrupt' DicomError naming the syntax. */
export function decoding<T>(syntax: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof DicomError) throw err;
    throw new DicomError('corrupt', `${syntax} stream could not be decoded: ${reason(err)}`);
  }
}

/**
 * The decoded frame as CodecOutput: dimensions checked against the header, samples widened to
 * Bits Allocated. Decoders return samples right-aligned, so High Bit becomes Bits Stored - 1.
 */
export function toCodecOutput(
  syntax: string,
  image: DecodedImage,
  info: PixelInfo,
  layout: Omit<CodecOutput, 'bytes'> = {},
): CodecOutput {
  const { width, height, components, bytesPerSample, samples } = image;
  if (width !== info.columns || height !== info.rows || components !== info.samplesPerPixel) {
    throw new DicomError(
      'corrupt',
      `${syntax} stream could not be decoded: it gave ${width}x${height} with ${components} ` +
        `components, the header says ${info.columns}x${info.rows} with ${info.samplesPerPixel}`,
    );
  }
  const count = width * height * components;
  if (samples.length < count * bytesPerSample) {
    throw new DicomError(
      'corrupt',
      `${syntax} stream could not be decoded: it gave ${samples.length} bytes, expected ${count * bytesPerSample}`,
    );
  }
  if (info.bitsAllocated === 1 && bytesPerSample === 1) return packBits(samples, count, layout);
  const size = info.bitsAllocated / 8;
  if (!Number.isInteger(size) || bytesPerSample > size) {
    throw new DicomError(
      'unsupported',
      `${syntax} stream has ${bytesPerSample * 8}-bit samples, more than Bits Allocated ${info.bitsAllocated}`,
    );
  }
  // Always a copy: decoders hand out views of wasm memory that the next frame overwrites.
  const bytes = new Uint8Array(count * size);
  if (bytesPerSample === size) bytes.set(samples.subarray(0, count * size));
  else
    for (let i = 0; i < count; i++)
      for (let b = 0; b < bytesPerSample; b++) bytes[i * size + b] = samples[i * bytesPerSample + b] ?? 0;
  return { highBit: info.bitsStored - 1, planarConfiguration: 0, ...layout, bytes };
}

/** 1-bit images (segmentations) decode to one byte per sample; native 1-bit layout packs 8 per byte, LSB first. */
function packBits(samples: Uint8Array, count: number, layout: Omit<CodecOutput, 'bytes'>): CodecOutput {
  const bytes = new Uint8Array(Math.ceil(count / 8));
  for (let i = 0; i < count; i++) if ((samples[i]! & 1) === 1) bytes[i >> 3]! |= 1 << (i & 7);
  return { highBit: 0, planarConfiguration: 0, ...layout, bytes, bitOffset: 0 };
}
