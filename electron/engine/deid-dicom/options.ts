/** The profile options a de-identification run asks for (PS3.15 E.3), with MedPrep's defaults. */

export type LongitudinalOption = 'remove' | 'full-dates' | 'modified-dates';
/** MedPrep extension beyond Table E.1-1 (which says Z): what to do with Patient's Birth Date. */
export type BirthDateHandling = 'empty' | 'shift' | 'year';

export interface DeidOptions {
  /** Retain Longitudinal Temporal Information: off, Full Dates, or Modified Dates (shifted per patient). */
  longitudinal: LongitudinalOption;
  retainPatientCharacteristics: boolean;
  retainDeviceIdentity: boolean;
  retainInstitutionIdentity: boolean;
  retainUids: boolean;
  retainSafePrivate: boolean;
  cleanDescriptors: boolean;
  cleanStructuredContent: boolean;
  cleanGraphics: boolean;
  birthDate: BirthDateHandling;
  /** Inclusive range of the per-patient date shift in days. */
  shiftRange: { min: number; max: number };
}

export const DEFAULT_SHIFT_RANGE = { min: -3650, max: -1 } as const;

export const BASIC_PROFILE: DeidOptions = {
  longitudinal: 'remove',
  retainPatientCharacteristics: false,
  retainDeviceIdentity: false,
  retainInstitutionIdentity: false,
  retainUids: false,
  retainSafePrivate: false,
  cleanDescriptors: false,
  cleanStructuredContent: false,
  cleanGraphics: false,
  birthDate: 'empty',
  shiftRange: { ...DEFAULT_SHIFT_RANGE },
};

export function withDefaults(partial: Partial<DeidOptions> = {}): DeidOptions {
  const options = { ...BASIC_PROFILE, ...partial };
  const { min, max } = options.shiftRange;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min > max) {
    throw new RangeError(`invalid date shift range ${min}..${max}`);
  }
  return options;
}
