// Display helpers shared by the views; pure, so they are tested without a DOM.

const numberFormat = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return numberFormat.format(n);
}

/** Seconds as m:ss (h:mm:ss past an hour); an em dash while unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Files per second with a precision that suits the magnitude. */
export function formatRate(rate: number, unit = 'files'): string {
  if (!Number.isFinite(rate) || rate <= 0) return `0 ${unit}/s`;
  const digits = rate >= 100 ? 0 : rate >= 10 ? 1 : 2;
  return `${rate.toFixed(digits)} ${unit}/s`;
}

/** DICOM dates (YYYYMMDD) as ISO dates; anything else as it came. */
export function formatDicomDate(value: string | null): string {
  if (!value) return '—';
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : value;
}

export function formatSize(columns: number, rows: number): string {
  return `${columns}×${rows}`;
}

/** The engine's stable error code, whichever front carried the error; null for other errors. */
export function errorCode(err: unknown): string | null {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : null;
}

/** The one line an error shows: engine errors carry their message, anything else its text. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

// The transfer syntaxes radiology exports use most; the UID is always shown as well.
const TRANSFER_SYNTAX_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

export function transferSyntaxLabel(uid: string): string {
  return TRANSFER_SYNTAX_NAMES[uid] ?? 'Other transfer syntax';
}

export function formatWindow(center: number | null, width: number | null): string {
  if (center === null || width === null) return '—';
  const round = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  return `C ${round(center)} / W ${round(width)}`;
}
