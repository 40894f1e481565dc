/**
 * Content hash of decoded stored pixel values in a canonical form: a header of rows, columns and
 * samples, then every sample as little-endian int32, pixel-major. Independent of byte order,
 * transfer syntax, planar configuration and bits allocated, so a re-encoded copy hashes the same.
 * Float samples are hashed as little-endian float64 under their own prefix: the stored values, never a
 * rendering of them.
 */
import { createHash } from 'node:crypto';
import type { DecodedFrame } from './pixels.ts';

const MAGIC = 'medprep-pixels-v1';
const FLOAT_MAGIC = 'medprep-float-pixels-v1';
const CHUNK = 1 << 20;
// One conversion buffer per thread, reused by every call (the function is synchronous): a fresh 4 MB
// buffer per image cost a thousand page faults.
let chunk: Int32Array | undefined;

export function pixelHash(decoded: DecodedFrame): string {
  const { info, data } = decoded;
  const hash = createHash('sha256');
  const header = Buffer.alloc(12);
  header.writeUInt32LE(info.rows, 0);
  header.writeUInt32LE(info.columns, 4);
  header.writeUInt32LE(info.samplesPerPixel, 8);
  const float = data instanceof Float32Array || data instanceof Float64Array;
  hash.update(float ? FLOAT_MAGIC : MAGIC);
  hash.update(header);
  if (float) {
    const wide = data instanceof Float64Array ? data : Float64Array.from(data);
    hash.update(new Uint8Array(wide.buffer, wide.byteOffset, wide.byteLength));
    return hash.digest('hex');
  }
  chunk ??= new Int32Array(CHUNK);
  const buf = chunk;
  for (let start = 0; start < data.length; start += CHUNK) {
    const n = Math.min(CHUNK, data.length - start);
    // TypedArray#set converts natively (uint32 wraps to int32: bits preserved), several times faster
    // than an element loop; the bytes hashed are the same.
    buf.set(data.subarray(start, start + n));
    hash.update(new Uint8Array(buf.buffer, 0, n * 4));
  }
  return hash.digest('hex');
}
