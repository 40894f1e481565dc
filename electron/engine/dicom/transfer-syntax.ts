/** Transfer syntaxes: how the dataset is encoded, and names for messages. */
import { quotedUid } from './errors.ts';

export const IMPLICIT_VR_LE = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LE = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_VR_BE = '1.2.840.10008.1.2.2';

export interface DatasetEncoding {
  explicitVr: boolean;
  littleEndian: boolean;
  deflated: boolean;
}

const NAMES: Record<string, string> = {
  [IMPLICIT_VR_LE]: 'Implicit VR Little Endian',
  [EXPLICIT_VR_LE]: 'Explicit VR Little Endian',
  [DEFLATED_EXPLICIT_VR_LE]: 'Deflated Explicit VR Little Endian',
  [EXPLICIT_VR_BE]: 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline 8-bit',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended 12-bit',
  '1.2.840.10008.1.2.4.53': 'JPEG Spectral Selection (retired)',
  '1.2.840.10008.1.2.4.55': 'JPEG Full Progression (retired)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

export function transferSyntaxName(uid: string): string {
  return NAMES[uid] ?? 'unknown transfer syntax';
}

/** "1.2.840.10008.1.2.4.50 (JPEG Baseline 8-bit)" */
export function describeTransferSyntax(uid: string): string {
  return `${quotedUid(uid)} (${transferSyntaxName(uid)})`;
}

/**
 * Every transfer syntax other than the three legacy ones encodes the dataset as explicit VR
 * little endian (only the pixel data differs), so unknown UIDs are parsed that way too.
 */
export function encodingOf(uid: string): DatasetEncoding {
  if (uid === IMPLICIT_VR_LE) return { explicitVr: false, littleEndian: true, deflated: false };
  if (uid === EXPLICIT_VR_BE) return { explicitVr: true, littleEndian: false, deflated: false };
  if (uid === DEFLATED_EXPLICIT_VR_LE) return { explicitVr: true, littleEndian: true, deflated: true };
  return { explicitVr: true, littleEndian: true, deflated: false };
}
