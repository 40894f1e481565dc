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
