/**
 * The project's de-identification settings: the PS3.15 profile options, the birth-date policy, the date-shift
 * range and the report-text mode, stored as one JSON value in `settings` under `deid`.
 *
 * Defaults, chosen for SFT data that leaves the hospital:
 * - Modified dates: every date moves by the patient's keyed shift, so intervals between a patient's studies
 *   ("compared with the radiograph of 3 days earlier") survive while no real date leaves.
 * - Patient characteristics kept: age and sex change what a radiograph means (heart size, bone density) and
 *   are allowed by HIPAA Safe Harbor; the profile caps ages over 89.
 * - Clean descriptors on: study and series descriptions ("CHEST PA") are useful and are scrubbed by the text
 *   engine instead of being dropped.
 * - Everything else off (device, institution, UIDs, private data, structured content, graphics): none of it
 *   helps a model read an image and each can identify a site or a person. Birth date emptied (age is kept).
 * - Report text as tags ([NAME], [DATE]): every removal stays visible to reviewers and to the leak gate, and a
 *   model trained on it never learns invented names or dates as facts. Surrogates are one switch away when
 *   natural-looking text matters.
 */
import type { DeidSettings, DeidSettingHelp, DeidSettingsInfo } from '../../api/deid.ts';
import { DEFAULT_SHIFT_RANGE, type DeidOptions } from '../deid-dicom/index.ts';
import { z } from 'zod';
import type { Db } from '../project/database.ts';
import { intIn, parseOrThrow, strict } from '../validation.ts';

const KEY = 'deid';

export const DEFAULT_DEID_SETTINGS: DeidSettings = {
  longitudinal: 'modified-dates',
  retainPatientCharacteristics: true,
  retainDeviceIdentity: false,
  retainInstitutionIdentity: false,
  retainUids: false,
  retainSafePrivate: false,
  cleanDescriptors: true,
  cleanStructuredContent: false,
  cleanGraphics: false,
  birthDate: 'empty',
  shiftRange: { ...DEFAULT_SHIFT_RANGE },
  textMode: 'tags',
  textModel: 'auto',
  pixelTextModel: 'auto',
};

export const DEID_SETTINGS_HELP: DeidSettingHelp[] = [
  {
    key: 'longitudinal',
    label: 'Dates',
    help: 'What happens to dates and times in the image headers and reports.',
    choices: [
      {
        value: 'modified-dates',
        label: 'Shift per patient',
        help: "Every date of a patient moves back by the same secret number of days, so the time between that patient's studies is kept but no real date leaves.",
      },
      {
        value: 'full-dates',
        label: 'Keep real dates',
        help: 'Dates stay as they are. Real dates are identifiers: use only with an agreement that allows them.',
      },
      {
        value: 'remove',
        label: 'Remove',
        help: 'Dates are emptied or replaced with a dummy value; the order of studies is lost.',
      },
    ],
  },
  {
    key: 'retainPatientCharacteristics',
    label: 'Keep age, sex, size and weight',
    help: 'Keeps patient characteristics that matter for reading an image. Ages over 89 are shown as 90.',
  },
  {
    key: 'retainDeviceIdentity',
    label: 'Keep device details',
    help: 'Keeps station names and device serial numbers. They can point to one hospital room.',
  },
  {
    key: 'retainInstitutionIdentity',
    label: 'Keep hospital name',
    help: 'Keeps the institution name and department. Off unless the hospital agrees to be named.',
  },
  {
    key: 'retainUids',
    label: 'Keep original UIDs',
    help: 'Keeps the original study, series and image identifiers. Off: they are replaced by keyed ones that still link the files of one study together.',
  },
  {
    key: 'retainSafePrivate',
    label: 'Keep safe vendor fields',
    help: 'Keeps private (vendor) fields known to carry no personal data. All other private fields are always removed.',
  },
  {
    key: 'cleanDescriptors',
    label: 'Clean descriptions',
    help: 'Keeps free-text descriptions such as "CHEST PA" after removing names, dates and numbers from them. Off: they are removed.',
  },
  {
    key: 'cleanStructuredContent',
    label: 'Clean structured reports',
    help: 'Keeps the text inside structured reports after cleaning it. Off: that content is removed.',
  },
  {
    key: 'cleanGraphics',
    label: 'Clean graphics',
    help: 'Keeps drawn annotations and overlays after cleaning their text. Off: they are removed.',
  },
  {
    key: 'birthDate',
    label: 'Birth date',
    help: 'What happens to the birth date in the image headers.',
    choices: [
      { value: 'empty', label: 'Empty it', help: 'The birth date is left blank (age is kept separately).' },
      {
        value: 'shift',
        label: 'Shift it',
        help: "Moves it by the patient's date shift, so ages computed from it stay right.",
      },
      { value: 'year', label: 'Year only', help: 'Keeps only the year (January 1st of it).' },
    ],
  },
  {
    key: 'shiftRange',
    label: 'Date shift range (days)',
    help: "Each patient's dates move by a secret number of days in this range, the same for all of the patient's files.",
  },
  {
    key: 'textMode',
    label: 'Report text',
    help: 'How names, dates and numbers found in report text are replaced.',
    choices: [
      {
        value: 'tags',
        label: 'Tags',
        help: 'Each is replaced by its kind in brackets, such as [NAME] or [DATE]. Every removal stays visible.',
      },
      {
        value: 'surrogates',
        label: 'Realistic substitutes',
        help: 'Each is replaced by an invented but consistent value (the same name each time; dates shifted like the headers).',
      },
    ],
  },
  {
    key: 'textModel',
    label: 'Report text model',
    help: 'A name-recognition model installed on this computer finds what the rules miss; its finds are added to the rules’ (never replace them).',
    choices: [
      {
        value: 'auto',
        label: 'Use one when installed',
        help: 'Uses an installed, verified token-classification model; without one, the rules alone run.',
      },
      { value: 'off', label: 'Rules only', help: 'Never uses a model.' },
    ],
  },
  {
    key: 'pixelTextModel',
    label: 'Burned-in text reader',
    help: 'An OCR model reads text burned into the pixels (every frame, turned text, colour, values outside the window): identifiers are masked, markers such as L, R or PORTABLE kept, anything else sent to the quarantine.',
    choices: [
      {
        value: 'auto',
        label: 'Read with OCR',
        help: 'Uses the OCR model that ships with MedPrep (PaddleOCR PP-OCRv4) or an installed one.',
      },
      {
        value: 'off',
        label: 'Detect only',
        help: 'A model-free detector sends images with text-like regions to the quarantine; nothing is masked.',
      },
    ],
  },
];

const days = intIn(-36500, 36500);

/** Each setting's schema; `satisfies` keeps it in step with the DeidSettings type of the contract. */
const SETTINGS_SHAPE = {
  longitudinal: z.enum(['remove', 'full-dates', 'modified-dates']),
  retainPatientCharacteristics: z.boolean(),
  retainDeviceIdentity: z.boolean(),
  retainInstitutionIdentity: z.boolean(),
  retainUids: z.boolean(),
  retainSafePrivate: z.boolean(),
  cleanDescriptors: z.boolean(),
  cleanStructuredContent: z.boolean(),
  cleanGraphics: z.boolean(),
  birthDate: z.enum(['empty', 'shift', 'year']),
  shiftRange: strict({ min: days, max: days }).refine((r) => r.min <= r.max, {
    message: 'must be {min, max}: whole days, min ≤ max',
  }),
  textMode: z.enum(['tags', 'surrogates']),
  textModel: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/u, 'must be auto, off or a model id'),
  pixelTextModel: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/u, 'must be auto, off or a model id'),
} satisfies { [K in keyof DeidSettings]: z.ZodType<DeidSettings[K]> };

const partialSettings = strict(SETTINGS_SHAPE).partial();

/** Checks a partial update against the settings' schema; throws bad-request naming the first wrong key. */
export function validateSettings(partial: unknown, base: DeidSettings): DeidSettings {
  const update = parseOrThrow(partialSettings, partial, 'settings: ');
  return { ...base, ...update, shiftRange: { ...(update.shiftRange ?? base.shiftRange) } };
}

export function readSettings(db: Db): DeidSettings {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(KEY) as
    { value: string } | undefined;
  if (!row) return { ...DEFAULT_DEID_SETTINGS, shiftRange: { ...DEFAULT_DEID_SETTINGS.shiftRange } };
  // A stored value written by an older version may lack newer keys: defaults fill them.
  return validateSettings(JSON.parse(row.value) as unknown, DEFAULT_DEID_SETTINGS);
}

export function writeSettings(db: Db, partial: unknown): DeidSettings {
  const settings = validateSettings(partial, readSettings(db));
  db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(KEY, JSON.stringify(settings));
  return settings;
}

export function settingsInfo(settings: DeidSettings): DeidSettingsInfo {
  return { settings, defaults: DEFAULT_DEID_SETTINGS, help: DEID_SETTINGS_HELP };
}

/** The DICOM engine's options for the settings (the text mode and the models are not among them). */
export function dicomOptions(settings: DeidSettings): DeidOptions {
  const {
    textMode: _textMode,
    textModel: _textModel,
    pixelTextModel: _pixelTextModel,
    ...options
  } = settings;
  void _textMode;
  void _textModel;
  void _pixelTextModel;
  return { ...options, shiftRange: { ...options.shiftRange } };
}
