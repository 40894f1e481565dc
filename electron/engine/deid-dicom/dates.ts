/** Date arithmetic on DICOM DA/DT/AS text (PS3.5 6.2): shift by whole days, reduce to a year, cap ages. */

const DAY_MS = 86_400_000;

/** `YYYYMMDD` shifted by days; undefined when the text is not a valid date. */
export function shiftDate(da: string, days: number): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  if (m === null) return undefined;
  const [, y, mo, d] = m.map(Number) as [number, number, number, number];
  const t = Date.UTC(y, mo - 1, d);
  const check = new Date(t);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    return undefined;
  const shifted = new Date(t + days * DAY_MS);
  const yyyy = shifted.getUTCFullYear();
  if (yyyy < 1 || yyyy > 9999) return undefined;
  return (
    String(yyyy).padStart(4, '0') +
    String(shifted.getUTCMonth() + 1).padStart(2, '0') +
    String(shifted.getUTCDate()).padStart(2, '0')
  );
}

/**
 * DT `YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]`: the date part is shifted (a year-only or year-month DT
 * keeps its precision, shifted via the first day of that period); time and offset are kept.
 */
export function shiftDateTime(dt: string, days: number): string | undefined {
  const m = /^(\d{4})(\d{2})?(\d{2})?(.*)$/.exec(dt.trim());
  if (m === null) return undefined;
  const [, y = '', mo, d, rest = ''] = m;
  if (!/^(\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?)?([+-]\d{4})?$/.test(rest)) return undefined;
  const shifted = shiftDate(`${y}${mo ?? '01'}${d ?? '01'}`, days);
  if (shifted === undefined) return undefined;
  const precision = 4 + (mo === undefined ? 0 : 2) + (d === undefined ? 0 : 2);
  return shifted.slice(0, precision) + rest;
}

/** `YYYYMMDD` → `YYYY0101` (birth date reduced to the year). */
export function yearOnly(da: string): string | undefined {
  const m = /^(\d{4})\d{4}$/.exec(da.trim());
  return m === null ? undefined : `${m[1]}0101`;
}

/** AS `nnnD|W|M|Y`: ages over 89 years become `090Y` (HIPAA Safe Harbor groups them as 90+). */
export function capAge(as: string): string | undefined {
  const m = /^(\d{3})([DWMY])$/.exec(as.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  const years = m[2] === 'Y' ? n : m[2] === 'M' ? n / 12 : m[2] === 'W' ? n / 52.18 : n / 365.25;
  return years > 89 ? '090Y' : `${m[1]}${m[2]}`;
}

/** Whole years from one `YYYYMMDD` to another; undefined when either is not a date. */
export function yearsBetween(from: string, to: string): number | undefined {
  const a = /^(\d{4})(\d{2})(\d{2})$/.exec(from.trim());
  const b = /^(\d{4})(\d{2})(\d{2})$/.exec(to.trim());
  if (a === null || b === null) return undefined;
  const years = Number(b[1]) - Number(a[1]);
  return `${b[2]}${b[3]}` < `${a[2]}${a[3]}` ? years - 1 : years;
}
