/**
 * Pixel data codecs keyed by transfer syntax UID. The native (uncompressed) syntaxes are registered
 * here; compressed ones (JPEG, JPEG-LS, JPEG 2000, HTJ2K, RLE) in `codecs/register.ts`.
 * A codec returns one frame as little-endian samples laid out as in a native file, which the shared
 * unpacking step then masks, sign-extends and interleaves.
 */
import { DicomError } from './errors.ts';
import type { DicomElement, DicomFile, EncapsulatedPixelData, Fragment } from './parser.ts';
import { type PixelInfo, nativeFrameBits } from './pixel-info.ts';
import {
  DEFLATED_EXPLICIT_VR_LE,
  EXPLICIT_VR_BE,
  EXPLICIT_VR_LE,
  IMPLICIT_VR_LE,
  describeTransferSyntax,
} from './transfer-syntax.ts';

export interface CodecInput {
  file: DicomFile;
  pixelData: DicomElement;
  info: PixelInfo;
  frame: number;
}

export interface CodecOutput {
  /** Little-endian samples, bitsAllocated each (1-bit: packed LSB first starting at bitOffset). */
  bytes: Uint8Array;
  bitOffset?: number;
  /** Set when the codec changed the layout (e.g. JPEG decoders output interleaved RGB). */
  planarConfiguration?: number;
  photometric?: string;
  /** Compressed codecs return samples right-aligned: Bits Stored - 1, whatever the header says. */
  highBit?: number;
}

export type FrameDecoder = (input: CodecInput) => CodecOutput;
/** Loads, ahead of decoding, a codec that can only be initialised asynchronously. */
export type CodecPreparer = (input: CodecInput) => Promise<void>;

const codecs = new Map<string, FrameDecoder>();
const preparers = new Map<string, CodecPreparer>();

export function registerCodec(
  transferSyntaxUid: string,
  decode: FrameDecoder,
  prepare?: CodecPreparer,
): void {
  codecs.set(transferSyntaxUid, decode);
  if (prepare !== undefined) preparers.set(transferSyntaxUid, prepare);
}

export function preparerFor(transferSyntaxUid: string): CodecPreparer | undefined {
  return preparers.get(transferSyntaxUid);
}

export function codecFor(transferSyntaxUid: string): FrameDecoder {
  const codec = codecs.get(transferSyntaxUid);
  if (codec === undefined) {
    throw new DicomError(
      'unsupported',
      `unsupported transfer syntax ${describeTransferSyntax(transferSyntaxUid)}`,
    );
  }
  return codec;
}

export function isSupportedTransferSyntax(uid: string): boolean {
  return codecs.has(uid);
}

/** Check native pixel data holds every frame the header promises. */
export function checkNativeLength(pixelData: DicomElement, info: PixelInfo): void {
  const expected = Math.ceil((nativeFrameBits(info) * info.numberOfFrames) / 8);
  if (pixelData.value.length < expected) {
    throw new DicomError(
      'corrupt',
      `pixel data holds ${pixelData.value.length} bytes, expected ${expected} ` +
        `(${info.rows} rows x ${info.columns} columns x ${info.numberOfFrames} frames x ` +
        `${info.samplesPerPixel} samples x ${info.bitsAllocated} bits)`,
    );
  }
}

function decodeNative(input: CodecInput): CodecOutput {
  const { pixelData, info, frame } = input;
  if (pixelData.encapsulated !== undefined) {
    throw new DicomError('corrupt', 'encapsulated pixel data in an uncompressed transfer syntax');
  }
  checkNativeLength(pixelData, info);
  const frameBits = nativeFrameBits(info);
  const startBit = frameBits * frame;
  if (info.bitsAllocated === 1) {
    const first = Math.floor(startBit / 8);
    return {
      bytes: pixelData.value.subarray(first, Math.ceil((startBit + frameBits) / 8)),
      bitOffset: startBit % 8,
    };
  }
  const start = startBit / 8;
  const bytes = pixelData.value.subarray(start, start + frameBits / 8);
  // Big endian: words of OW (or of the sample size) are byte-swapped; OB bytes are stored as-is.
  const word = pixelData.littleEndian
    ? 1
    : info.bitsAllocated > 8
      ? info.bitsAllocated / 8
      : pixelData.vr === 'OW'
        ? 2
        : 1;
  return { bytes: word === 1 ? bytes : swapBytes(bytes, word) };
}

function swapBytes(src: Uint8Array, word: number): Uint8Array {
  const out = new Uint8Array(src.length);
  const n = src.length - (src.length % word);
  for (let i = 0; i < n; i += word) for (let k = 0; k < word; k++) out[i + k] = src[i + word - 1 - k] ?? 0;
  out.set(src.subarray(n), n);
  return out;
}

for (const uid of [IMPLICIT_VR_LE, EXPLICIT_VR_LE, EXPLICIT_VR_BE, DEFLATED_EXPLICIT_VR_LE]) {
  registerCodec(uid, decodeNative);
}

/**
 * The compressed bytes of one frame of encapsulated pixel data (PS3.5 A.4), for codecs: by the
 * Basic Offset Table when present; else one fragment per frame; else (single frame) all fragments;
 * else fragments grouped into frames at each fragment that ends a JPEG-family stream (EOI/EOC).
 */
export function frameFragments(
  file: DicomFile,
  enc: EncapsulatedPixelData,
  frame: number,
  frames: number,
): Uint8Array {
  const src = file.dataset.source;
  const bytesOf = (f: Fragment): Uint8Array => src.subarray(f.offset, f.offset + f.length);
  const slice = (list: Fragment[]): Uint8Array => {
    if (list.length === 1 && list[0] !== undefined) return bytesOf(list[0]);
    return Buffer.concat(list.map(bytesOf));
  };
  if (enc.fragments.length === 0) throw new DicomError('corrupt', 'encapsulated pixel data has no fragments');
  if (enc.offsetTable.length === frames && frames > 1) {
    const base = (enc.fragments[0]?.offset ?? 8) - 8; // BOT offsets count from the first fragment's item tag
    const begin = base + (enc.offsetTable[frame] ?? 0);
    const end = frame + 1 < frames ? base + (enc.offsetTable[frame + 1] ?? 0) : Infinity;
    const list = enc.fragments.filter((f) => f.offset - 8 >= begin && f.offset - 8 < end);
    if (list.length === 0)
      throw new DicomError('corrupt', `basic offset table points frame ${frame} at no fragment`);
    return slice(list);
  }
  if (frames === 1) return slice(enc.fragments);
  if (enc.fragments.length === frames) return slice([enc.fragments[frame] as Fragment]);
  const groups = groupByEndMarker(enc.fragments, bytesOf);
  const group = groups.length === frames ? groups[frame] : undefined;
  if (group === undefined) {
    throw new DicomError(
      'unsupported',
      `cannot locate frame ${frame} of ${frames} among ${enc.fragments.length} fragments without an offset table`,
    );
  }
  return slice(group);
}

/** Split fragments after each one whose data ends with FF D9 (JPEG EOI, JPEG 2000 EOC), padding aside. */
function groupByEndMarker(fragments: Fragment[], bytesOf: (f: Fragment) => Uint8Array): Fragment[][] {
  const groups: Fragment[][] = [];
  let current: Fragment[] = [];
  for (const fragment of fragments) {
    current.push(fragment);
    const bytes = bytesOf(fragment);
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0) end--; // fragments are padded to even length
    if (end >= 2 && bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
