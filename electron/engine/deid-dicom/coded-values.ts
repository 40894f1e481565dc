/**
 * Code values of public coding schemes, recognised by the scheme and the shape its codes have, so that a
 * kept code sequence keeps "T-D3000" (SRT) or "113076" (DCM) while a code value of any other shape goes
 * through the text cleaner like free text (a vendor or a person can put an MRN there).
 */

const CODE_SHAPES: Record<string, RegExp> = {
  DCM: /^\d{3,9}$/u,
  SCT: /^\d{6,18}$/u,
  SRT: /^[A-Z]-[A-Z0-9]{4,6}$/u,
  SNM3: /^[A-Z]-[A-Z0-9]{4,6}$/u,
  LN: /^\d{1,7}-\d$/u,
  RADLEX: /^RID\d{1,7}$/u,
  RADLEX_PLAYBOOK: /^RPID\d{1,7}$/u,
  UMLS: /^C\d{7}$/u,
  FMA: /^\d{1,7}$/u,
  UCUM: /^[A-Za-z0-9/.*^[\]{}%'-]{1,20}$/u,
  I10: /^[A-Z]\d{2}(?:\.[A-Z0-9]{1,4})?$/u,
};

/** Tags of a code sequence item that hold the code itself (Code Value, Long Code Value). */
export const CODE_VALUE_TAGS: ReadonlySet<number> = new Set([0x00080100, 0x00080119]);

/** Is `value` a code of the public scheme `scheme`, by the shape of that scheme's codes? */
export function isRegisteredCode(scheme: string | undefined, value: string): boolean {
  const shape = scheme === undefined ? undefined : CODE_SHAPES[scheme.trim().toUpperCase()];
  return shape !== undefined && shape.test(value.trim());
}
