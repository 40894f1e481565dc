/**
 * Header values a de-identification option keeps on purpose (PS3.15 E.3 "Retain …" options): written into
 * exported DICOM because the user asked for them, so the leak gate does not count them as leaks there, and
 * the dataset card says which were kept. Only DICOM exports carry headers, so device and institution values
 * are exempt there only; real dates are kept in report text too, so Full Dates exempts them everywhere.
 */
import type { DeidSettings } from '../../api/deid.ts';
import type { Db } from '../project/database.ts';
import { DATE_KEYS } from '../sft/source.ts';

export interface KeptOnPurpose {
  /** The option, as the card names it. */
  option: string;
  /** Header keywords (as flatHeader writes them) whose values are kept. */
  keys: string[];
}

const RULES: { applies: (s: Partial<DeidSettings>) => boolean; headersOnly: boolean; kept: KeptOnPurpose }[] =
  [
    {
      applies: (s) => s.retainDeviceIdentity === true,
      headersOnly: true,
      kept: { option: 'Retain Device Identity', keys: ['StationName', 'DeviceSerialNumber'] },
    },
    {
      applies: (s) => s.retainInstitutionIdentity === true,
      headersOnly: true,
      kept: {
        option: 'Retain Institution Identity',
        keys: ['InstitutionName', 'InstitutionAddress', 'InstitutionalDepartmentName'],
      },
    },
    {
      applies: (s) => s.retainUids === true,
      headersOnly: true,
      kept: { option: 'Retain UIDs', keys: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'] },
    },
    {
      applies: (s) => s.longitudinal === 'full-dates',
      headersOnly: false,
      kept: {
        option: 'Retain Longitudinal Temporal Information with Full Dates',
        keys: [...DATE_KEYS],
      },
    },
  ];

/** What the options of the project's latest de-identification run keep on purpose in a bundle. */
export function keptOnPurpose(db: Db, dicom: boolean): KeptOnPurpose[] {
  const row = db.prepare('SELECT options FROM deid_runs ORDER BY id DESC LIMIT 1').get() as
    { options: string } | undefined;
  if (row === undefined) return [];
  const settings = JSON.parse(row.options) as Partial<DeidSettings>;
  return RULES.filter((r) => r.applies(settings) && (dicom || !r.headersOnly)).map((r) => r.kept);
}

/** One sentence for the dataset card. */
export function keptOnPurposeText(kept: KeptOnPurpose[]): string {
  if (kept.length === 0) return 'No identifying header value was kept on purpose.';
  const parts = kept.map((k) => `${k.keys.join(', ')} (${k.option})`);
  return `Kept on purpose in the DICOM headers, as the de-identification options asked, and so not counted as leaks by the leak gate: ${parts.join('; ')}.`;
}
