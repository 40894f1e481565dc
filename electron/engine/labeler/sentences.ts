/** Splits report prose into sentences; list numbers ("1. ") go, decimals ("3.2 cm") and "Dr." stay whole. */
export function sentences(text: string): string[] {
  const flat = text.replace(/\s+/gu, ' ').trim();
  if (flat === '') return [];
  return flat
    .split(/(?<!\b(?:Dr|Mr|Mrs|Ms|St|vs|approx)\.)(?<=[.!?])\s+(?=[A-Z[(\d])/u)
    .map((s) => s.replace(/^\d+[.)]\s+/u, '').trim())
    .filter((s) => /\p{L}/u.test(s));
}
