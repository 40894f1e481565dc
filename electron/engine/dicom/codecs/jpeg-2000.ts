/**
 * JPEG 2000 (ISO 15444-1) and High-Throughput JPEG 2000 (ISO 15444-15), both via OpenJPEG, which
 * decodes HT code-blocks too (the OpenJPH build tried mis-ordered colour samples).
 */
import type { CodecInput, CodecOutput } from '../codecs.ts';
import { DicomError } from '../errors.ts';
import { encapsulatedFrame } from './frame.ts';
import { decoding, toCodecOutput } from './output.ts';
import { type Deletable, LazyCodec, loadWasmCodec } from './wasm.ts';

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}

interface J2kDecoder extends Deletable {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getDecodedBuffer(): Uint8Array;
}

const openjpeg = new LazyCodec(() =>
  loadWasmCodec<{ J2KDecoder: new () => J2kDecoder }>(
    '@cornerstonejs/codec-openjpeg/decodewasmjs',
    '@cornerstonejs/codec-openjpeg/decodewasm',
  ),
);

function run(decoder: J2kDecoder, bytes: Uint8Array) {
  try {
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    decoder.decode();
    const frame = decoder.getFrameInfo();
    return {
      width: frame.width,
      height: frame.height,
      components: frame.componentCount,
      bytesPerSample: frame.bitsPerSample <= 8 ? 1 : 2,
      samples: decoder.getDecodedBuffer().slice(),
    };
  } finally {
    decoder.delete();
  }
}

/**
 * The decoders undo the codestream's multi-component transform, so YBR_RCT / YBR_ICT come out as
 * interleaved RGB (PS3.5 8.2.4).
 */
function output(image: ReturnType<typeof run>, input: CodecInput, syntax: string): CodecOutput {
  const transformed = input.info.photometric === 'YBR_RCT' || input.info.photometric === 'YBR_ICT';
  return toCodecOutput(syntax, image, input.info, transformed ? { photometric: 'RGB' } : {});
}

/** Also HTJ2K: the syntax name only labels errors. */
export function decodeJpeg2000(input: CodecInput, syntax: string): CodecOutput {
  const bytes = encapsulatedFrame(input);
  const image = decoding(syntax, () => openjpeg.use((codec) => run(new codec.J2KDecoder(), bytes)));
  // OpenJPEG reports a stream it rejects (a truncated codestream, an impossible SIZ) as an empty image.
  if (image.width === 0 || image.height === 0) {
    throw new DicomError(
      'corrupt',
      `${syntax} stream could not be decoded: OpenJPEG rejected the codestream`,
    );
  }
  return output(image, input, syntax);
}
