/** Public surface of DICOM de-identification (PS3.15 Annex E Basic Profile and options). */
export {
  deidentifyDicom,
  type DeidContext,
  type DeidResult,
  type AuditEntry,
  type AuditBasis,
  type LinkagePair,
  type CleanText,
  type HeaderIdentifiers,
} from './deidentify.ts';
export {
  type DeidOptions,
  type LongitudinalOption,
  type BirthDateHandling,
  BASIC_PROFILE,
  DEFAULT_SHIFT_RANGE,
  withDefaults,
} from './options.ts';
export { profileActions, rowAction, type ProfileAction } from './profile.ts';
export { loadTable, rowFor, type TableRow, type ConfidentialityTable, type BasicAction } from './table.ts';
export { resolveAction, type AppliedAction } from './resolve.ts';
export { iodFor, PRESENT_ONLY_WITH, type IodTypes, type AttributeType } from './iod-types.ts';
export { KEEP_GROUPS, keepEntry } from './keep-list.ts';
export { loadSafePrivate, type SafePrivateEntry } from './safe-private.ts';
export { pseudonym, namePseudonym, uidFor, shiftDaysFor } from './pseudonyms.ts';
export { shiftDate, shiftDateTime, yearOnly, capAge } from './dates.ts';
export { CID_7050, methodCodes, longitudinalState, type MethodCode } from './stamp.ts';
export {
  quarantineByHeader,
  detectBurnedInText,
  renderForDetection,
  type RenderedImage,
  type TextRegion,
  type TextDetector,
  type DetectorOptions,
} from './burned-in.ts';
export {
  applyMasks,
  masksByRule,
  maskHeaderOf,
  maskedPixelData,
  type MaskRect,
  type MaskableFrame,
  type MaskHeader,
} from './masks.ts';
export { MASK_RULES, type MaskRule } from './mask-rules.ts';
