/**
 * What the output says about its own de-identification (PS3.15 E.1.1 item 6; PS3.3 C.7.1.1): Patient
 * Identity Removed, De-identification Method, its Code Sequence with CID 7050 codes (PS3.16, checked
 * against the published context group), and Longitudinal Temporal Information Modified (0028,0303).
 */
import type { DeidOptions } from './options.ts';

export interface MethodCode {
  value: string;
  meaning: string;
}

/** PS3.16 CID 7050 "De-identification Method", scheme DCM. */
export const CID_7050 = {
  basic: { value: '113100', meaning: 'Basic Application Confidentiality Profile' },
  cleanPixelData: { value: '113101', meaning: 'Clean Pixel Data Option' },
  cleanRecognizableVisualFeatures: { value: '113102', meaning: 'Clean Recognizable Visual Features Option' },
  cleanGraphics: { value: '113103', meaning: 'Clean Graphics Option' },
  cleanStructuredContent: { value: '113104', meaning: 'Clean Structured Content Option' },
  cleanDescriptors: { value: '113105', meaning: 'Clean Descriptors Option' },
  fullDates: { value: '113106', meaning: 'Retain Longitudinal Temporal Information Full Dates Option' },
  modifiedDates: {
    value: '113107',
    meaning: 'Retain Longitudinal Temporal Information Modified Dates Option',
  },
  patientCharacteristics: { value: '113108', meaning: 'Retain Patient Characteristics Option' },
  deviceIdentity: { value: '113109', meaning: 'Retain Device Identity Option' },
  uids: { value: '113110', meaning: 'Retain UIDs Option' },
  safePrivate: { value: '113111', meaning: 'Retain Safe Private Option' },
  institutionIdentity: { value: '113112', meaning: 'Retain Institution Identity Option' },
} as const satisfies Record<string, MethodCode>;

export function methodCodes(options: DeidOptions, pixelsCleaned: boolean): MethodCode[] {
  const codes: MethodCode[] = [CID_7050.basic];
  if (pixelsCleaned) codes.push(CID_7050.cleanPixelData);
  if (options.cleanGraphics) codes.push(CID_7050.cleanGraphics);
  if (options.cleanStructuredContent) codes.push(CID_7050.cleanStructuredContent);
  if (options.cleanDescriptors) codes.push(CID_7050.cleanDescriptors);
  if (options.longitudinal === 'full-dates') codes.push(CID_7050.fullDates);
  if (options.longitudinal === 'modified-dates') codes.push(CID_7050.modifiedDates);
  if (options.retainPatientCharacteristics) codes.push(CID_7050.patientCharacteristics);
  if (options.retainDeviceIdentity) codes.push(CID_7050.deviceIdentity);
  if (options.retainUids) codes.push(CID_7050.uids);
  if (options.retainSafePrivate) codes.push(CID_7050.safePrivate);
  if (options.retainInstitutionIdentity) codes.push(CID_7050.institutionIdentity);
  return codes;
}

/**
 * De-identification Method (0012,0063) values, each at most 64 characters (LO): the tool and table
 * edition first, then the options, then MedPrep's departures from the table when chosen.
 */
export function methodText(
  options: DeidOptions,
  codes: MethodCode[],
  appVersion: string,
  edition: string,
): string[] {
  const values = [`MedPrep ${appVersion} PS3.15 ${edition} E.1-1`.slice(0, 64)];
  for (const code of codes) values.push(code.meaning.replace(/ Option$/, '').slice(0, 64));
  if (options.birthDate === 'shift') values.push('Birth date shifted with the patient dates');
  if (options.birthDate === 'year') values.push('Birth date reduced to year');
  values.push('Ages over 89 years set to 090Y');
  return values;
}

/** (0028,0303): MODIFIED when dates were shifted, UNMODIFIED when kept, REMOVED otherwise. */
export function longitudinalState(options: DeidOptions): 'MODIFIED' | 'UNMODIFIED' | 'REMOVED' {
  if (options.longitudinal === 'modified-dates') return 'MODIFIED';
  if (options.longitudinal === 'full-dates') return 'UNMODIFIED';
  return 'REMOVED';
}
