/**
 * The one decision about a known name word standing alone in a text: is it used as a person, as an ordinary
 * English or medical word, or can the text not tell? Both the report scrubber (header-informed names) and
 * the export leak gate ask it, so they never disagree about "Young adult" or "called White at 4 pm".
 *
 * - person: a title before it ("Mr. Young", "per Dr. White"), a credential after it ("White, MD"), a word of
 *   contact or reading before it ("called White", "discussed with Young", "per White"), or a name word that
 *   is no ordinary word at all ("Doe"). With the first name the header knows ("Keisha Young", "YOUNG,
 *   KEISHA") it is a full-name match, found before this decision is asked.
 * - ordinary: written in lower case ("white blood cells"); an eponym or abbreviation used medically ("Foley
 *   catheter", "Hill-Sachs", "Bell's palsy"); an ordinary word followed by a lower-case word or hyphen
 *   ("Young adult", "Small effusion"), after an article ("a Small"), or in capitals before another ordinary
 *   word ("SMALL LEFT EFFUSION").
 * - undecided: an ordinary word written with a capital and none of the above ("seen by the team; White
 *   reported..."), or beside a first name the header does not know ("Maria Young"). The scrubber removes
 *   it; the leak gate puts it in the review queue instead of refusing.
 */
import {
  CREDENTIAL_AFTER,
  TITLE_BEFORE,
  findMedicalTerms,
  isMedicalHeadNoun,
  isMedicalWord,
  isNotNameWord,
} from './allow-list.ts';
import { MEDICAL_EPONYMS } from './medical-terms.ts';

export type NameWordUse = 'person' | 'ordinary' | 'undecided';

/**
 * Family names that are also everyday English or medical words (from the most common US surnames), in lower
 * case. A name word outside this list standing alone is always a person.
 */
const ORDINARY_NAME_WORDS = new Set([
  'back',
  'ball',
  'banks',
  'base',
  'bass',
  'bell',
  'best',
  'bird',
  'bishop',
  'black',
  'block',
  'bloom',
  'blue',
  'bond',
  'bone',
  'bright',
  'brooks',
  'brown',
  'burns',
  'bush',
  'case',
  'cash',
  'chambers',
  'church',
  'cole',
  'cook',
  'cord',
  'cross',
  'day',
  'early',
  'east',
  'fair',
  'field',
  'fields',
  'fine',
  'fisher',
  'foot',
  'fox',
  'free',
  'frost',
  'glass',
  'gold',
  'golden',
  'good',
  'gray',
  'green',
  'grey',
  'gross',
  'hale',
  'hall',
  'hand',
  'hardy',
  'hart',
  'head',
  'hill',
  'hood',
  'hope',
  'house',
  'hunt',
  'hunter',
  'joy',
  'king',
  'knight',
  'lamb',
  'lane',
  'lead',
  'little',
  'long',
  'love',
  'lung',
  'major',
  'mark',
  'marsh',
  'mason',
  'mass',
  'may',
  'mills',
  'moss',
  'noble',
  'north',
  'pace',
  'page',
  'park',
  'pool',
  'porter',
  'post',
  'power',
  'price',
  'reed',
  'rice',
  'rich',
  'ridge',
  'rivers',
  'root',
  'rose',
  'rush',
  'sharp',
  'short',
  'side',
  'small',
  'snow',
  'south',
  'stone',
  'strong',
  'sweet',
  'swift',
  'wall',
  'ward',
  'waters',
  'wells',
  'west',
  'white',
  'wise',
  'wolf',
  'wood',
  'young',
]);

export const isOrdinaryNameWord = (word: string): boolean => ORDINARY_NAME_WORDS.has(word.toLowerCase());

const CONTACT_BEFORE =
  /(?:^|[^\p{L}])(?:per|by|cc|dear|attn|called|paged|phoned|telephoned|notified|informed|contacted|d\/w|w\/|(?:discussed|spoke|spoken|talked|conferred|communicated)[ \t]+with)[ \t]*:?[ \t]*$/iu;
const DETERMINER_BEFORE =
  /(?:^|[^\p{L}])(?:a|an|the|this|that|these|those|his|her|their|its|new|old|indwelling|existing|right|left|with|no)[ \t]+$/iu;
const WORD_BEFORE = /(?:^|[^\p{L}'’-])(\p{L}[\p{L}'’-]*)[ \t]+$/u;
const COMMA_WORD_AFTER = /^[ \t]*,[ \t]*(\p{Lu}[\p{L}'’-]*)/u;
/** The next word, past a possessive and a space or hyphen. */
const WORD_AFTER = /^(?:['’]s)?(?:[ \t]+|[ \t]*-[ \t]*)(\p{L}[\p{L}'’-]*)/u;
/** Words after a name that speak of a person, not a thing ("Young was called", "White's daughter"). */
const PERSON_WORDS_AFTER = new Set([
  'was',
  'is',
  'has',
  'had',
  'were',
  'will',
  'would',
  'who',
  'called',
  'said',
  'says',
  'stated',
  'states',
  'reports',
  'reported',
  'agreed',
  'confirmed',
  'notified',
  'paged',
  'aware',
  'at',
  'on',
  'via',
  'and',
  'or',
  'to',
  'by',
  'of',
  'daughter',
  'son',
  'wife',
  'husband',
  'mother',
  'father',
  'family',
  'sister',
  'brother',
]);

/**
 * A word that can stand as a first name: written Title-case, and neither vocabulary nor an ordinary name word.
 * A word in capitals cannot tell ("YOUNG, ROUND OPACITY"), so it is no evidence either way.
 */
function nameLike(word: string): boolean {
  if (!/^\p{Lu}\p{Ll}/u.test(word)) return false;
  return (
    !isNotNameWord(word) && !isMedicalWord(word) && !isMedicalHeadNoun(word) && !isOrdinaryNameWord(word)
  );
}

const ordinaryWord = (word: string) =>
  isNotNameWord(word) || isMedicalHeadNoun(word) || isOrdinaryNameWord(word) || isMedicalWord(word);

/** Words of the eponyms written in several words ("Hill" of "Hill-Sachs"), to skip the search for others. */
const EPONYM_PARTS = new Set(
  MEDICAL_EPONYMS.filter((t) => /[ -]/u.test(t)).flatMap((t) => t.toLowerCase().split(/[ -]+/u)),
);

/** Whether [start, end) is part of a longer allow-listed medical term ("Hill-Sachs", "Kerley B lines"). */
function insideMedicalTerm(text: string, start: number, end: number): boolean {
  if (!EPONYM_PARTS.has(text.slice(start, end).toLowerCase())) return false;
  const from = Math.max(0, start - 32);
  const window = text.slice(from, end + 32);
  return findMedicalTerms(window).some(
    ([s, e]) =>
      s + from <= start && e + from >= end && window.slice(s, e).replace(/['’]s$/u, '').length > end - start,
  );
}

/**
 * How the known name word at [start, end) of `text` is used (see the module comment). `text` is the whole
 * text, so the words around it can be read.
 */
export function nameWordUse(text: string, start: number, end: number): NameWordUse {
  const word = text.slice(start, end);
  const first = word[0] ?? '';
  if (first === first.toLowerCase()) return 'ordinary';
  const before = text.slice(Math.max(0, start - 40), start);
  const after = text.slice(end, end + 40);
  if (TITLE_BEFORE.test(before) || CREDENTIAL_AFTER.test(after) || CONTACT_BEFORE.test(before))
    return 'person';
  if (usedMedically(word, before, after) || insideMedicalTerm(text, start, end)) return 'ordinary';
  if (!isOrdinaryNameWord(word)) return 'person';
  // A first name the header does not know beside an ordinary word ("Maria Young", "White, Maria") points
  // to a person, but a capitalised word at a sentence start can mislead: a person decides (a first name the
  // header knows makes a full-name match, which needs no review).
  const previous = WORD_BEFORE.exec(before)?.[1];
  const commaNext = COMMA_WORD_AFTER.exec(after)?.[1];
  if ((previous !== undefined && nameLike(previous)) || (commaNext !== undefined && nameLike(commaNext)))
    return 'undecided';
  if (DETERMINER_BEFORE.test(before)) return 'ordinary';
  const next = WORD_AFTER.exec(after)?.[1];
  if (next === undefined || PERSON_WORDS_AFTER.has(next.toLowerCase())) return 'undecided';
  const nextFirst = next[0] ?? '';
  if (nextFirst !== nextFirst.toUpperCase()) return 'ordinary';
  // In capitals ("SMALL LEFT EFFUSION") only a known ordinary word after it shows the ordinary use.
  if (word === word.toUpperCase() && next === next.toUpperCase() && ordinaryWord(next)) return 'ordinary';
  return 'undecided';
}

const NEXT_WORD = /^[ \t-]*(\p{L}+)/u;

/** An eponym or abbreviation used as medicine: after an article, before a head noun, or a short capital. */
function usedMedically(word: string, before: string, after: string): boolean {
  if (!isMedicalWord(word)) return false;
  if (DETERMINER_BEFORE.test(before)) return true;
  const next = NEXT_WORD.exec(after)?.[1];
  if (next !== undefined && (isMedicalHeadNoun(next) || (next.length === 1 && /\p{Lu}/u.test(next))))
    return true;
  return word === word.toUpperCase() && word.length <= 5;
}

/**
 * How a known name written as an initial and a family name ("A Small", "A small", "J. Smith") is used, the
 * match at [start, end) of `text`. With its dot the initial is a name's; without it the letter may be an
 * article or a sentence's first word ("A small effusion"), so the family name is judged as a word standing
 * alone.
 */
export function initialNameUse(text: string, start: number, end: number): NameWordUse {
  const gap = /^\p{L}[ \t]+/u.exec(text.slice(start, end));
  if (!gap) return 'person';
  // A person cue around the whole name ("discussed with A Small", "A Small MD") decides before the word does.
  const before = text.slice(Math.max(0, start - 40), start);
  const after = text.slice(end, end + 40);
  if (TITLE_BEFORE.test(before) || CREDENTIAL_AFTER.test(after) || CONTACT_BEFORE.test(before))
    return 'person';
  return nameWordUse(text, start + gap[0].length, end);
}
