/**
 * 12-bit lossy JPEG (ITU T.81 extended process, DICOM 1.2.840.10008.1.2.4.51) via dcmjs-codecs, whose
 * WebAssembly build carries dcmtk's IJG 12-bit decoder: the same code as dcmtk's `dcmdjpeg`, our
 * reference. The npm registry has no 12-bit libjpeg-turbo build, and cornerstone's JS decoder ships
 * only inside its image loader.
 *
 * dcmjs-codecs can only be initialised asynchronously, while frames are decoded synchronously, so
 * the module is loaded ahead by `loadJpeg12()` (see `prepareDecoding` in pixels.ts) once per thread.
 */
import { createRequire } from 'node:module';
import { DicomError } from '../errors.ts';
import type { PixelInfo } from '../pixel-info.ts';
import type { DecodedImage } from './output.ts';

interface Jpeg12Context {
  getWidth(): number | undefined;
  getHeight(): number | undefined;
  getSamplesPerPixel(): number | undefined;
  getDecodedBuffer(): Uint8Array | undefined;
}

interface DcmjsCodecs {
  NativeCodecs: {
    initializeAsync(opts?: { logCodecsInfo?: boolean; logCodecsTrace?: boolean }): Promise<void>;
    decodeJpeg(context: Jpeg12Context, parameters?: { convertColorspaceToRgb?: boolean }): Jpeg12Context;
  };
  Context: new (attrs: Record<string, unknown>) => Jpeg12Context;
  log: { setLevel(level: 'silent'): void };
}

const require = createRequire(import.meta.url);

let loaded: DcmjsCodecs | undefined;
let loading: Promise<void> | undefined;

/** Load and initialise the decoder in this thread; later calls reuse it. Rejects if it cannot load. */
export function loadJpeg12(): Promise<void> {
  loading ??= (async () => {
    const codecs = require('dcmjs-codecs') as DcmjsCodecs;
    // Its logger would print codec messages to the console; they describe streams, but stay quiet.
    codecs.log.setLevel('silent');
    await codecs.NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
    loaded = codecs;
  })().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

export function isJpeg12Loaded(): boolean {
  return loaded !== undefined;
}

/** Decode one 12-bit grey frame to right-aligned 16-bit little-endian samples. */
export function decodeJpeg12(stream: Uint8Array, info: PixelInfo): DecodedImage {
  if (loaded === undefined) {
    throw new DicomError('unsupported', '12-bit lossy JPEG decoder is not loaded in this process');
  }
  if (info.samplesPerPixel !== 1) {
    throw new DicomError('unsupported', '12-bit lossy JPEG colour images are not supported');
  }
  const { NativeCodecs, Context } = loaded;
  const context = new Context({
    width: info.columns,
    height: info.rows,
    bitsAllocated: 16,
    bitsStored: Math.min(info.bitsStored, 12),
    samplesPerPixel: 1,
    pixelRepresentation: info.pixelRepresentation,
    planarConfiguration: 0,
    photometricInterpretation: info.photometric,
    encodedBuffer: stream,
  });
  const out = NativeCodecs.decodeJpeg(context, { convertColorspaceToRgb: false });
  return {
    width: out.getWidth() ?? 0,
    height: out.getHeight() ?? 0,
    components: out.getSamplesPerPixel() ?? 0,
    bytesPerSample: 2,
    samples: out.getDecodedBuffer() ?? new Uint8Array(0),
  };
}
