/** Compiled views of the medical allow list: which ranges of a text are medicine that must survive. */
import {
  CLINICAL_WORDS,
  MEDICAL_ABBREVIATIONS,
  MEDICAL_EPONYMS,
  MEDICAL_HEAD_NOUNS,
  NOT_NAME_WORDS,
} from './medical-terms.ts';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
const byLength = (a: string, b: string) => b.length - a.length;

/** Eponyms (case-insensitive, spaces and hyphens interchangeable) and abbreviations (exact case). */
const EPONYM_RE = new RegExp(
  `(?<![\\p{L}\\p{N}-])(?:${[...MEDICAL_EPONYMS]
    .sort(byLength)
    .map((t) => escape(t).replace(/[ -]/gu, '[- ]?'))
    .join('|')})(?:['’]s)?(?![\\p{L}\\p{N}])`,
  'giu',
);
const ABBREVIATION_RE = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${[...MEDICAL_ABBREVIATIONS].sort(byLength).map(escape).join('|')})(?![\\p{L}\\p{N}])`,
  'gu',
);
/** Spinal levels, ribs and similar numbered anatomy: T7, L1-L2, C5-C6, T4-T5, S1. */
const LEVEL_RE = /(?<![\p{L}\p{N}])[CTLS]\d{1,2}(?:[-–][CTLS]?\d{1,2})?(?![\p{L}\p{N}])/gu;

/** The strings themselves, for tests and for the evaluation's "medical term redacted" count. */
export const ALLOW_LIST_TERMS: readonly string[] = [...MEDICAL_EPONYMS, ...MEDICAL_ABBREVIATIONS];

const notName = new Set(NOT_NAME_WORDS.map((w) => w.toLowerCase()));
const eponymWords = new Set<string>();
for (const term of MEDICAL_EPONYMS) if (!term.includes(' ')) eponymWords.add(term.toLowerCase());
const abbreviations = new Set(MEDICAL_ABBREVIATIONS);
const headNouns = new Set(MEDICAL_HEAD_NOUNS);

/** A capitalised word the name rules must not take as (part of) a name. */
export function isNotNameWord(word: string): boolean {
  const bare = word.replace(/[.'’]+$/u, '');
  if (abbreviations.has(bare)) return true;
  const lower = bare.toLowerCase();
  return notName.has(lower) || (eponymWords.has(lower) && lower.length > 1);
}

/** An eponym or abbreviation from the allow list (whole word). */
export function isMedicalWord(word: string): boolean {
  const bare = word.replace(/[.'’]+$/u, '');
  return abbreviations.has(bare) || (bare.length > 1 && eponymWords.has(bare.toLowerCase()));
}

const clinicalWords = new Set(CLINICAL_WORDS);
/** Medical suffixes of disease and operation names; -oma is left out (Paloma, Roma are names). */
const CLINICAL_SUFFIX =
  /(?:osis|itis|ectomy|ostomy|otomy|plasty|emia|aemia|pathy|algia|iasis|megaly|pnea|pnoea)$/u;

/**
 * A word of clinical text (PAIN, OBESITY, HISTOPLASMOSIS, REPAIR, RE-EVALUATION), or a placeholder an earlier
 * de-identification left (XXXX): never half of a "LAST, FIRST".
 */
export function isClinicalWord(word: string): boolean {
  if (/^X{2,}$/iu.test(word)) return true;
  return word
    .toLowerCase()
    .split(/[-'’]/u)
    .some((w) => clinicalWords.has(w) || headNouns.has(w) || (w.length >= 6 && CLINICAL_SUFFIX.test(w)));
}

export function isMedicalHeadNoun(word: string): boolean {
  return headNouns.has(word.toLowerCase());
}

export type Range = [number, number];

/** Ranges of allow-listed medical terms in `text`, sorted by start. */
export function findMedicalTerms(text: string): Range[] {
  const out: Range[] = [];
  for (const re of [EPONYM_RE, ABBREVIATION_RE, LEVEL_RE]) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) out.push([m.index, m.index + m[0].length]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** A personal title right before a word, and a credential right after it: the word is (part of) a person. */
export const TITLE_BEFORE = /(?:\b(?:Dr|Drs|Mr|Mrs|Ms|Miss|Mx|Prof|Doctor|Nurse)\.?[ \t]*(?:\r?\n[ \t]*)?)$/u;
export const CREDENTIAL_AFTER = /^,?[ \t]*(?:MD|M\.D\.|DO|RN|NP|PA-C|PhD|MBBS|FRCR|DNP|APRN)\b/u;

/**
 * Ranges of `text` that are medicine used as medicine. An eponym right after a personal title or before a
 * credential ("Dr. Foley", "Foley, MD") is a person and is not protected.
 */
export function findProtectedRanges(text: string): Range[] {
  return findMedicalTerms(text).filter(
    ([start, end]) =>
      !TITLE_BEFORE.test(text.slice(Math.max(0, start - 12), start)) &&
      !CREDENTIAL_AFTER.test(text.slice(end, end + 8)),
  );
}
