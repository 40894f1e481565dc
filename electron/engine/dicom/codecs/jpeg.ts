/**
 * JPEG (ITU T.81) in DICOM: baseline and extended lossy via libjpeg-turbo (8-bit) and dcmjs-codecs
 * (12-bit, jpeg-12bit.ts), lossless process 14 / SV1 via jpeg-lossless-decoder-js. The stream's own frame header decides which
 * decoder runs, so a file labelled with the wrong JPEG syntax still decodes.
 */
import { Decoder as LosslessDecoder } from '@cornerstonejs/jpeg-lossless-decoder-js';
import type { CodecInput, CodecOutput } from '../codecs.ts';
import { DicomError } from '../errors.ts';
import { describeTransferSyntax } from '../transfer-syntax.ts';
import { decodeJpeg12, loadJpeg12 } from './jpeg-12bit.ts';
import { type JpegHeader, readJpegHeader, withAdobeNoTransform } from './jpeg-markers.ts';
import { decoding, toCodecOutput } from './output.ts';
import { encapsulatedFrame } from './frame.ts';
import { type Deletable, LazyCodec, loadWasmCodec } from './wasm.ts';

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
}

interface JpegDecoder extends Deletable {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getDecodedBuffer(): Uint8Array;
}

const libjpegTurbo = new LazyCodec(() =>
  loadWasmCodec<{ JPEGDecoder: new () => JpegDecoder }>(
    '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
    '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm',
  ),
);

const LOSSLESS_SOF = 0xffc3;

export function decodeJpeg(input: CodecInput, syntax: string): CodecOutput {
  const bytes = encapsulatedFrame(input);
  const header = readJpegHeader(bytes);
  if (header === undefined) {
    throw new DicomError('corrupt', `${syntax} stream could not be decoded: no JPEG frame header`);
  }
  if (header.sof === LOSSLESS_SOF) return decodeLossless(bytes, header, input, syntax);
  if (header.sof > 0xffc2) {
    throw new DicomError(
      'unsupported',
      `${syntax} stream uses an unsupported process (SOF marker ${header.sof.toString(16).toUpperCase()})`,
    );
  }
  if (header.precision === 12) {
    const image = decoding(syntax, () => decodeJpeg12(bytes, input.info));
    return toCodecOutput(syntax, image, input.info);
  }
  if (header.precision !== 8) {
    throw new DicomError(
      'unsupported',
      `unsupported transfer syntax ${describeTransferSyntax(input.file.transferSyntax)} with ` +
        `${header.precision}-bit lossy JPEG`,
    );
  }
  return decodeLossy(bytes, header, input, syntax);
}

/** Load the 12-bit decoder when this frame is 12-bit lossy JPEG (see jpeg-12bit.ts). */
export async function prepareJpeg(input: CodecInput): Promise<void> {
  const header = readJpegHeader(encapsulatedFrame(input));
  if (header !== undefined && header.precision === 12 && header.sof !== LOSSLESS_SOF) await loadJpeg12();
}

function decodeLossy(bytes: Uint8Array, header: JpegHeader, input: CodecInput, syntax: string): CodecOutput {
  const { info } = input;
  // libjpeg infers the colour space from markers; DICOM's Photometric Interpretation says RGB
  // components were stored untransformed, so tell libjpeg so when the stream says nothing.
  const stream =
    info.photometric === 'RGB' && header.components === 3 && !header.jfif && !header.adobe
      ? withAdobeNoTransform(bytes)
      : bytes;
  const image = decoding(syntax, () =>
    libjpegTurbo.use((codec) => {
      const decoder = new codec.JPEGDecoder();
      try {
        decoder.getEncodedBuffer(stream.length).set(stream);
        decoder.decode();
        const frame = decoder.getFrameInfo();
        return {
          width: frame.width,
          height: frame.height,
          components: frame.componentCount,
          bytesPerSample: 1,
          samples: decoder.getDecodedBuffer().slice(),
        };
      } finally {
        decoder.delete();
      }
    }),
  );
  // libjpeg returns colour as interleaved RGB, converting YCbCr as any viewer does.
  return toCodecOutput(syntax, image, info, image.components === 3 ? { photometric: 'RGB' } : {});
}

function decodeLossless(
  bytes: Uint8Array,
  header: JpegHeader,
  input: CodecInput,
  syntax: string,
): CodecOutput {
  const { info } = input;
  const bytesPerSample = header.precision <= 8 ? 1 : 2;
  if (header.components === 3 && bytesPerSample > 1) {
    throw new DicomError(
      'unsupported',
      `${syntax} stream of ${header.precision}-bit colour is not supported`,
    );
  }
  const decoded = decoding(syntax, () =>
    new LosslessDecoder().decode(toArrayBuffer(bytes), 0, bytes.length, bytesPerSample),
  );
  const samples = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  const image = {
    width: header.width,
    height: header.height,
    components: header.components,
    bytesPerSample,
    samples,
  };
  return toCodecOutput(syntax, image, info);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}
