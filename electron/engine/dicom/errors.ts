/**
 * Why a file could not be read. Messages carry structural facts only (tags, lengths, UIDs),
 * never element values, so they are safe to show and log without leaking patient data.
 */
export type DicomErrorCode = 'not-dicom' | 'corrupt' | 'unsupported';

export class DicomError extends Error {
  readonly code: DicomErrorCode;

  constructor(code: DicomErrorCode, message: string) {
    super(message);
    this.name = 'DicomError';
    this.code = code;
  }
}

/** "(7FE0,0010)" — the conventional way to name a tag in messages. */
export function formatTag(tag: number): string {
  const hex = (tag >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

/**
 * A UID as a message may quote it: digits and dots only. A forged or damaged header can hold anything in a UID
 * field, a patient's name included, so anything else is described, not quoted.
 */
export function quotedUid(uid: string): string {
  return uid.length <= 64 && /^\d+(\.\d+)*$/u.test(uid) ? uid : '[not a UID]';
}

const PHOTOMETRIC_TERMS = new Set([
  'MONOCHROME1',
  'MONOCHROME2',
  'PALETTE COLOR',
  'RGB',
  'HSV',
  'ARGB',
  'CMYK',
  'YBR_FULL',
  'YBR_FULL_422',
  'YBR_PARTIAL_422',
  'YBR_PARTIAL_420',
  'YBR_ICT',
  'YBR_RCT',
  'XYB',
]);

/** A Photometric Interpretation as a message may quote it: a defined term of PS3.3 C.7.6.3.1.2, else described. */
export function quotedPhotometric(value: string): string {
  return PHOTOMETRIC_TERMS.has(value) ? value : '[not a defined term]';
}
