/**
 * What a line of burned-in text is, from what OCR read:
 * - `phi`: it holds one of the patient's known identifiers (compared after folding the characters OCR
 *   confuses: `^`/`~`, 0/O/D/Q, 1/I/l/|, 5/S, 8/B, 2/Z, 6/G), an identifier label (DOB, MRN, ID, NAME…), a
 *   number of 6 or more digits, or something the text engine's generic patterns flag (names with a title,
 *   dates, phone numbers…). It is masked.
 * - `marker`: only laterality and position markers, arrows and scale marks (L, R, PA, AP, PORTABLE, SUPINE,
 *   ERECT, ←, 10 cm…). It is kept: it is part of the image's meaning.
 * - `unsure`: anything else readable. It is masked too, and the image goes to the quarantine with what was
 *   read (a person releases or excludes it).
 * - `noise`: too little or too uncertain to be text (a rib edge read as "1"); recorded, nothing done.
 */
import { type KnownIdentifiers, type PhiCategory, detectSpans } from '../deid-text/index.ts';

export type TextCategory = 'phi' | 'marker' | 'unsure' | 'noise';

export interface TextDecision {
  category: TextCategory;
  /** Why, in words without the text itself (it may be an identifier). */
  reason: string;
  /** For `phi`: what kind of identifier (the leak gate's category). */
  phi?: PhiCategory;
}

/** A folded known value to look for, and what it is. */
export interface Needle {
  text: string;
  category: PhiCategory;
}

/** Position, laterality and projection words that radiographs carry on purpose. */
const MARKER_WORDS = new Set(
  (
    'L R LT RT LEFT RIGHT PA AP LAT LATERAL LL RL LLAT RLAT OBL OBLIQUE LAO RAO LPO RPO PORTABLE PORT SUPINE ' +
    'ERECT UPRIGHT SEMI SEMIERECT SEMI-ERECT PRONE SITTING STANDING DECUB DECUBITUS LLD RLD INSP EXP ' +
    'INSPIRATION EXPIRATION CM MM IN WB WEIGHT BEARING WEIGHTBEARING AXIAL FLEX EXT TRAUMA CHEST MOBILE'
  ).split(' '),
);
/** Words that label an identifier on a radiograph: the line holds one even when OCR misreads the value. */
const LABEL = /\b(?:DOB|D\.O\.B|MRN|PID|ID|PATIENT|PAT|NAME|ACC|ACCESSION|BIRTH|BORN|SSN|NHS|DATE|DR)\b\.?/iu;
/** A run of 6 or more digits is an MRN, an accession or a date, never a marker. */
const LONG_NUMBER = /\d{6,}/u;
/** Arrows, rulers and scale numbers ("0", "5", "10 CM"). */
const MARKER_TOKEN = /^(?:[←→↑↓↖↗↘↙<>^v|\-–—=+*•·.:]+|\d{1,3}(?:[.,]\d)?(?:CM|MM)?)$/;

/** Fewer than this many letters or digits, or a reading below MIN_SCORE, is noise unless it is a known id. */
const MIN_CHARS = 2;
const MIN_SCORE = 0.6;
/** Known values shorter than this (folded) carry too little to be searched for (a name "LI" is everywhere). */
const MIN_KNOWN = 3;
const MIN_WHOLE = 5;

const FOLD: Record<string, string> = {
  '0': 'O',
  D: 'O',
  Q: 'O',
  '1': 'I',
  L: 'I',
  '|': 'I',
  '!': 'I',
  '5': 'S',
  '8': 'B',
  '2': 'Z',
  '6': 'G',
};

/** Upper case, OCR confusions folded to one character, everything but letters and digits dropped. */
export function fold(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFKD').toUpperCase()) {
    const c = FOLD[ch] ?? ch;
    if (/[\p{L}\p{N}]/u.test(c)) out += c;
  }
  return out;
}

const KNOWN_KINDS: [keyof KnownIdentifiers, PhiCategory][] = [
  ['patientNames', 'NAME'],
  ['physicianNames', 'NAME'],
  ['operatorNames', 'NAME'],
  ['patientIds', 'ID'],
  ['accessionNumbers', 'ID'],
  ['otherIds', 'ID'],
  ['otherStrings', 'ID'],
  ['institutionNames', 'LOCATION'],
  ['birthDate', 'DATE'],
  ['studyDates', 'DATE'],
];

/** The folded needles of a patient: whole values, and the parts of names and ids (split on ^ , space - /). */
export function knownNeedles(known: KnownIdentifiers): Needle[] {
  const needles = new Map<string, PhiCategory>();
  const add = (text: string, category: PhiCategory) => {
    if (!needles.has(text)) needles.set(text, category);
  };
  for (const [key, category] of KNOWN_KINDS) {
    const v = known[key];
    for (const value of typeof v === 'string' ? [v] : (v ?? [])) {
      const parts = value.split(/[\^=,\s/\\-]+/);
      // A whole value of short parts ("LI^A") is searched for only when it is long enough on its own.
      const whole = fold(value);
      if (parts.length > 1 && whole.length >= MIN_WHOLE) add(whole, category);
      for (const part of parts) {
        const f = fold(part);
        if (f.length >= MIN_KNOWN && !MARKER_WORDS.has(part.toUpperCase())) add(f, category);
      }
    }
  }
  return [...needles].map(([text, category]) => ({ text, category }));
}

function isMarkerLine(text: string): boolean {
  const tokens = text
    .toUpperCase()
    .replace(/(\d)\s+(CM|MM)\b/g, '$1$2')
    .split(/[\s,;]+/)
    .filter(Boolean);
  return (
    tokens.length > 0 &&
    tokens.every((t) => MARKER_WORDS.has(t.replace(/[.:]+$/, '')) || MARKER_TOKEN.test(t))
  );
}

/** Decides one line (see the module comment); `needles` from knownNeedles() of the image's patient. */
export function decideLine(
  text: string,
  score: number,
  known: KnownIdentifiers,
  needles: Needle[],
): TextDecision {
  const folded = fold(text);
  const hit = folded.length > 0 ? needles.find((n) => folded.includes(n.text)) : undefined;
  if (hit) return { category: 'phi', reason: 'a known identifier of the patient', phi: hit.category };
  // OCR reads the PN separator ^ as ~; the text engine knows ^.
  const repaired = text.replace(/~/g, '^');
  const spans = detectSpans(repaired, { known });
  if (LABEL.test(text))
    return { category: 'phi', reason: 'a labelled identifier (DOB, MRN, ID, name…)', phi: 'ID' };
  if (LONG_NUMBER.test(folded.replace(/[^0-9]/g, ' ')) || LONG_NUMBER.test(text))
    return { category: 'phi', reason: 'a number of 6 or more digits', phi: 'ID' };
  if (spans.length > 0) {
    const categories = [...new Set(spans.map((s) => s.category))].sort();
    const phi = categories.find((c): c is PhiCategory => c !== 'REDACTED') ?? 'NAME';
    return { category: 'phi', reason: `the text engine found ${categories.join(', ')}`, phi };
  }
  if (isMarkerLine(text)) return { category: 'marker', reason: 'laterality, position or scale marker' };
  const chars = text.replace(/[^\p{L}\p{N}]/gu, '').length;
  if (chars < MIN_CHARS || score < MIN_SCORE)
    return { category: 'noise', reason: 'too short or too uncertain to be text' };
  return { category: 'unsure', reason: 'text that is neither a known identifier nor a marker' };
}
