/** JPEG-LS (ISO 14495-1) lossless and near-lossless via CharLS. */
import type { CodecInput, CodecOutput } from '../codecs.ts';
import { encapsulatedFrame } from './frame.ts';
import { decoding, toCodecOutput } from './output.ts';
import { type Deletable, LazyCodec, loadWasmCodec } from './wasm.ts';

interface JpegLsDecoder extends Deletable {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  getInterleaveMode(): number;
  getDecodedBuffer(): Uint8Array;
}

interface CharLs {
  JpegLSDecoder: new () => JpegLsDecoder;
  getExceptionMessage?: (pointer: number) => string | string[];
}

const charls = new LazyCodec(() =>
  loadWasmCodec<CharLs>('@cornerstonejs/codec-charls/decodewasmjs', '@cornerstonejs/codec-charls/decodewasm'),
);

/** CharLS interleave mode "none": the components come out one plane after another. */
const INTERLEAVE_NONE = 0;

export function decodeJpegLs(input: CodecInput, syntax: string): CodecOutput {
  const bytes = encapsulatedFrame(input);
  const { image, planar } = decoding(syntax, () =>
    charls.use((codec) => {
      const decoder = new codec.JpegLSDecoder();
      try {
        decoder.getEncodedBuffer(bytes.length).set(bytes);
        try {
          decoder.decode();
        } catch (err) {
          // C++ exceptions arrive as heap pointers; CharLS can say what they were.
          if (typeof err !== 'number' || !codec.getExceptionMessage) throw err;
          const message = codec.getExceptionMessage(err);
          throw new Error(Array.isArray(message) ? message.join(' ') : String(message), { cause: err });
        }
        const frame = decoder.getFrameInfo();
        return {
          image: {
            width: frame.width,
            height: frame.height,
            components: frame.componentCount,
            bytesPerSample: frame.bitsPerSample <= 8 ? 1 : 2,
            samples: decoder.getDecodedBuffer().slice(),
          },
          planar: frame.componentCount > 1 && decoder.getInterleaveMode() === INTERLEAVE_NONE,
        };
      } finally {
        decoder.delete();
      }
    }),
  );
  return toCodecOutput(syntax, image, input.info, { planarConfiguration: planar ? 1 : 0 });
}
