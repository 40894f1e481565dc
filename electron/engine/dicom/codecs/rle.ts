/**
 * RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits segment
 * per byte of each sample, most significant byte first (for 1-bit data, one segment of packed bits). Small
 * enough to write here.
 */
import type { CodecInput, CodecOutput } from '../codecs.ts';
import { DicomError } from '../errors.ts';
import { encapsulatedFrame } from './frame.ts';

const SYNTAX = 'RLE Lossless';

function corrupt(what: string): DicomError {
  return new DicomError('corrupt', `${SYNTAX} stream could not be decoded: ${what}`);
}

export function decodeRle(input: CodecInput): CodecOutput {
  const { info } = input;
  const bytes = encapsulatedFrame(input);
  // 1-bit frames (segmentations) are one segment of the frame's packed bytes, as a native frame packs them.
  const oneBit = info.bitsAllocated === 1 && info.samplesPerPixel === 1;
  const size = oneBit ? 1 : info.bitsAllocated / 8;
  if (!Number.isInteger(size))
    throw new DicomError('unsupported', `${SYNTAX} with ${info.bitsAllocated}-bit samples`);
  const spp = info.samplesPerPixel;
  const pixels = oneBit ? Math.ceil((info.rows * info.columns) / 8) : info.rows * info.columns;
  if (bytes.length < 64) throw corrupt(`header of ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== spp * size) throw corrupt(`${segments} segments, expected ${spp * size}`);
  const out = new Uint8Array(pixels * spp * size);
  for (let seg = 0; seg < segments; seg++) {
    const start = view.getUint32(4 + seg * 4, true);
    const end = seg + 1 < segments ? view.getUint32(8 + seg * 4, true) : bytes.length;
    if (start < 64 || end < start || end > bytes.length) throw corrupt(`segment ${seg} at ${start}..${end}`);
    // Segment order is sample by sample, most significant byte first; output is little endian.
    const sample = Math.floor(seg / size);
    const byte = size - 1 - (seg % size);
    unpackBits(bytes.subarray(start, end), out, sample * size + byte, spp * size, pixels, seg);
  }
  return oneBit ? { bytes: out, bitOffset: 0, highBit: 0 } : { bytes: out, planarConfiguration: 0 };
}

/** PackBits into every stride-th byte of out starting at first; exactly count bytes required. */
function unpackBits(
  src: Uint8Array,
  out: Uint8Array,
  first: number,
  stride: number,
  count: number,
  seg: number,
): void {
  let i = 0;
  let n = 0;
  while (n < count && i < src.length) {
    const header = ((src[i++] ?? 0) << 24) >> 24; // signed byte
    if (header >= 0) {
      const run = Math.min(header + 1, count - n, src.length - i);
      for (let k = 0; k < run; k++) out[first + (n + k) * stride] = src[i + k] ?? 0;
      i += header + 1;
      n += run;
    } else if (header !== -128) {
      const value = src[i++] ?? 0;
      const run = Math.min(1 - header, count - n);
      for (let k = 0; k < run; k++) out[first + (n + k) * stride] = value;
      n += run;
    }
  }
  if (n < count) throw corrupt(`segment ${seg} holds ${n} of ${count} bytes`);
}
