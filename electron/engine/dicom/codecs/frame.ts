/** The compressed bytes of the requested frame, for any encapsulated syntax. */
import { type CodecInput, frameFragments } from '../codecs.ts';
import { DicomError } from '../errors.ts';

export function encapsulatedFrame({ file, pixelData, info, frame }: CodecInput): Uint8Array {
  if (pixelData.encapsulated === undefined) {
    throw new DicomError('corrupt', `pixel data of ${file.transferSyntax} is not encapsulated`);
  }
  return frameFragments(file, pixelData.encapsulated, frame, info.numberOfFrames);
}
