/** Small value parsers shared by the layouts. */
import type { LabelValue } from './types.ts';

/**
 * A label cell in four states: `1`/`1.0` positive, `0`/`0.0` negative, `-1`/`-1.0` uncertain, blank (or
 * null, NaN) not mentioned. Anything else is refused rather than guessed: a wrong label poisons a model.
 */
export function parseLabelValue(v: unknown): LabelValue | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v === 1 || v === 0 || v === -1 ? v : Number.isNaN(v) ? null : undefined;
  if (typeof v !== 'string') return undefined;
  const t = v.trim().toLowerCase();
  if (t === '' || t === 'nan' || t === 'null' || t === 'none') return null;
  if (t === 'true') return 1;
  if (t === 'false') return 0;
  if (!/^[-+]?\d+(\.0*)?$/.test(t)) return undefined;
  const n = Number(t);
  return n === 1 || n === 0 || n === -1 ? n : undefined;
}

/** pandas writes integer columns with blanks as floats: `91512.0` is the DICOM time `091512`. */
export function dicomTime(v: string): string | null {
  const t = v.trim();
  const m = /^(\d{1,6})(?:\.(\d*))?$/.exec(t);
  if (!m) return null;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return m[1]!.padStart(6, '0') + (frac ? `.${frac}` : '');
}

/** A DICOM date (YYYYMMDD); pandas may have written it as a float. */
export function dicomDate(v: string): string | null {
  const t = v.trim().replace(/\.0*$/, '');
  return /^\d{8}$/.test(t) ? t : null;
}

/** A year written as a float (`1959.0`) or an integer; null when blank or not a plausible year. */
export function parseYear(v: string): number | null {
  const t = v.trim();
  if (!/^\d{4}(\.0*)?$/.test(t)) return null;
  return Number(t.slice(0, 4));
}

/** Split names as datasets write them → ours. */
export function normaliseSplit(v: string): string | null {
  const t = v.trim().toLowerCase();
  if (t === '') return null;
  if (t === 'val' || t === 'valid' || t === 'validation' || t === 'dev') return 'validate';
  return t;
}

/** Interns repeated short strings (view positions, descriptions) so big maps share them. */
export class Interner {
  private readonly pool = new Map<string, string>();

  get(s: string): string {
    const hit = this.pool.get(s);
    if (hit !== undefined) return hit;
    if (this.pool.size < 10_000) this.pool.set(s, s);
    return s;
  }
}
