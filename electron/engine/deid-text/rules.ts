/**
 * Rule detectors: names in context, dates and times, ages over 89, identifiers, contacts and locations. Every
 * regular expression is compiled once at load; one call runs each over the text once.
 */
import { isClinicalWord, isMedicalWord, isNotNameWord } from './allow-list.ts';
import { WS, dateKey, scanDates, scanTimes } from './dates.ts';
import {
  isCaseless,
  isCommonNonName,
  isCommonWordAtAll,
  isDistinctGivenName,
  isKnownName,
} from './name-words.ts';
import type { Candidate, PhiCategory } from './types.ts';

/** A rule span; `weak` spans give way to the medical allow list. */
export interface RuleCandidate extends Candidate {
  weak: boolean;
}

type Sink = RuleCandidate[];

function push(
  out: Sink,
  start: number,
  end: number,
  category: PhiCategory,
  rule: string,
  confidence: number,
  weak = false,
) {
  if (end > start) out.push({ start, end, category, source: `rule:${rule}`, confidence, weak });
}

// ---------------------------------------------------------------------------------------------- names

/** One word of a name: Smith, O'Brien, McDonald, Anne-Marie, SMITH, an initial "J." or "Q". */
const NAME_TOKEN_SRC =
  "(?:\\p{Lu}['’]\\p{Lu}\\p{Ll}+(?:-\\p{Lu}\\p{Ll}+)*|\\p{Lu}\\p{Ll}+(?:\\p{Lu}\\p{Ll}+)?(?:['’]\\p{Ll}+)?(?:-\\p{Lu}\\p{Ll}+)*|\\p{Lu}{2,}(?:[-'’]\\p{Lu}{2,})*|\\p{Lu}\\.(?:[ \\t]?\\p{Lu}\\.)*|\\p{Lu}(?![\\p{L}\\p{N}.'’-]))";
const NAME_TOKEN = new RegExp(NAME_TOKEN_SRC, 'uy');
const PARTICLE =
  /(?:(?:van|von|de|der|den|del|della|da|di|du|la|le|los|las|y|bin|ibn|al|el|dos|das|ter|ten)[ \t]+)+(?=\p{Lu})/uy;
const TITLE = /(?:Drs?|Mrs?|Ms|Miss|Mx|Prof|Professor|Doctor|Nurse|Sister|Rev)\.?/iuy;
/** A name word in any case, after a cue that needs no capital: smith, o'brien, d'arcy, o'neill-smith. */
const ANY_CASE_TOKEN = /\p{L}\.(?:[ \t]?\p{L}\.)*|\p{L}(?:['’]\p{L})?\p{L}*(?:['’]\p{L}+)?(?:-\p{L}+)*/uy;
/** Between the words of one name: one space, or a line wrap (a wider gap separates columns). */
const GAP = /(?:[ \t]?\r?\n[ \t]*|[ \t])/uy;
const CREDENTIAL =
  /,?[ \t]*(?:MD|M\.D\.|DO|D\.O\.|RN|NP|PA-C|PhD|MBBS|FRCR|FRCPC|DNP|APRN|CRNA|RRT|RT\(R\))(?![\p{L}])/uy;
const LIST_SEP = new RegExp(
  `(?:[ \\t]*[,;][ \\t]*(?:(?:and|&)${WS})?|${WS}(?:and|&)${WS}|[ \\t]*/[ \\t]*)`,
  'iuy',
);

type Strength = 'strong' | 'medium';

function sticky(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}

/** Letters around `at` all of one case (ALL CAPITALS or all lower case): a capital there proves nothing. */
function caselessAt(text: string, at: number): boolean {
  const around = text.slice(Math.max(0, at - 60), at + 60);
  return !/\p{Ll}/u.test(around) || !/\p{Lu}/u.test(around);
}

/**
 * A word that a weak cue ("pt", "per", a list after a title) offers as a name, in text without case
 * information: a known name, or a longer word of a name's shape (no verb ending, not a short abbreviation).
 */
function plausibleCaselessName(word: string): boolean {
  if (isKnownName(word)) return true;
  return word.replace(/[^\p{L}]/gu, '').length >= 4 && !/(?:ed|ing|ly)$/iu.test(word);
}

/** A known name that is no common word ("kim", "lopez"; not "will"). */
function isDistinctKnownName(word: string): boolean {
  return isKnownName(word) && !isCommonNonName(word) && !isCommonWordAtAll(word);
}

const TWO_WORDS = /(\p{L}{3,})[ \t]+(\p{L}{3,})(?![\p{L}'’])/uy;

/** Two lower-case words that both look like names ("priya raman"), not jargon ("cont intub"). */
function twoNameWords(text: string, at: number): boolean {
  const m = sticky(TWO_WORDS, text, at);
  if (!m) return false;
  return [m[1]!, m[2]!].every(
    (w) => plausibleCaselessName(w) && !isCommonNonName(w) && !isNotNameWord(w) && !isMedicalWord(w),
  );
}

/** Parses "[title] Name Name…" at `at`; returns the name's range (title excluded) and where parsing ended. */
function parseNameItem(
  text: string,
  at: number,
  strength: Strength,
  afterTitle = false,
  relation = false,
): { start: number; end: number } | null {
  let pos = at;
  const title = sticky(TITLE, text, pos);
  if (
    title &&
    /^[ \t\r\n]/u.test(text.slice(title.index + title[0].length, title.index + title[0].length + 1))
  ) {
    const gap = sticky(GAP, text, title.index + title[0].length);
    if (gap) {
      pos = gap.index + gap[0].length;
      strength = 'strong';
    }
  }
  let start = -1;
  let end = -1;
  let count = 0;
  while (count < 5) {
    let tokenAt = pos;
    const particle = count > 0 ? sticky(PARTICLE, text, pos) : null;
    if (particle) tokenAt = pos + particle[0].length;
    const shaped = sticky(NAME_TOKEN, text, tokenAt);
    // Without a capital, a word is taken after a title (or in a list a title began), or when it is a known
    // name, or when it follows a name word already taken ("maria lopez").
    const unshaped = shaped ? null : sticky(ANY_CASE_TOKEN, text, tokenAt);
    const token =
      shaped ??
      (unshaped &&
      (strength === 'strong' ||
        afterTitle ||
        count > 0 ||
        isDistinctKnownName(unshaped[0]) ||
        twoNameWords(text, tokenAt) ||
        (relation && plausibleCaselessName(unshaped[0]) && !isCommonNonName(unshaped[0])))
        ? unshaped
        : null);
    if (!token) break;
    const word = token[0];
    const initial = /^\p{Lu}\./u.test(word);
    const stop =
      !initial &&
      ((count === 0 && strength === 'strong'
        ? isNotNameWord(word) && !isMedicalWord(word)
        : isNotNameWord(word)) ||
        // Without case information a capital proves nothing: a common word is not a name here.
        (isCaseless(word) && isCommonNonName(word)));
    // A weak cue offers abbreviations as often as names ("per NS", "pt OOB"): a short capitalised word must
    // be a known name, and without case information any word must look like one.
    const weakCaseless =
      strength !== 'strong' &&
      !initial &&
      (caselessAt(text, token.index) || /^\p{Lu}{2,3}$/u.test(word)) &&
      !plausibleCaselessName(word);
    if (stop || weakCaseless || (count === 0 && strength !== 'strong' && word.length === 1)) break;
    if (start < 0) start = particle ? pos : token.index;
    end = token.index + word.length;
    count++;
    const gap = sticky(GAP, text, end);
    if (!gap) break;
    pos = gap.index + gap[0].length;
  }
  if (start < 0) return null;
  return { start, end };
}

/** Parses a list of names ("Dr. Smith and Dr. Jones", "Smith, John, MD") from `at`. */
function parseNameList(
  text: string,
  at: number,
  strength: Strength,
  out: Sink,
  rule: string,
  confidence: number,
  relation = false,
) {
  let item = parseNameItem(text, at, strength, false, relation);
  const afterTitle = strength === 'strong';
  let guard = 0;
  while (item && guard++ < 8) {
    push(out, item.start, item.end, 'NAME', rule, confidence);
    let pos = item.end;
    const credential = sticky(CREDENTIAL, text, pos);
    if (credential) pos += credential[0].length;
    const sep = sticky(LIST_SEP, text, pos);
    if (!sep) break;
    item = parseNameItem(text, pos + sep[0].length, 'medium', afterTitle);
  }
}

/** A personal title in any case ("Dr.", "dr", "DRS", "Nurse"), followed by a word. */
const TITLE_ANYWHERE =
  /(?<![\p{L}])(?:Drs?|Mrs?|Ms|Miss|Mx|Prof|Professor|Doctor|Nurse)(?![\p{L}])\.?(?=[ \t]*(?:\r?\n[ \t]*)?\p{L})/giu;

const NAME_TRIGGER = new RegExp(
  `(?<![\\p{L}])(?:(?:discussed|discussion|reviewed|spoke|spoken|talked|conferred|communicated|correlated)(?:${WS}(?:directly|in${WS}person|by${WS}(?:tele)?phone|over${WS}the${WS}phone|via${WS}telephone))?${WS}(?:with|w/|to|by)|d/w|notified|informed|(?:paged|called|telephoned|phoned|contacted|faxed|sent)(?:${WS}(?:to|by))?|relayed${WS}to|conveyed${WS}to|reported${WS}to|read${WS}back${WS}(?:by|to)|acknowledged${WS}by|confirmed${WS}by|dictated${WS}by|signed(?:${WS}out)?${WS}by|electronically${WS}signed${WS}by|e-signed${WS}by|read${WS}by|interpreted${WS}by|transcribed${WS}by|verified${WS}by|approved${WS}by|seen${WS}by|examined${WS}by|performed${WS}by|ordered${WS}by|requested${WS}by|referred${WS}by|attending(?:${WS}(?:radiologist|physician))?|resident(?:${WS}physician)?|fellow|radiologist|technologist|technician|tech|referring(?:${WS}(?:physician|provider|doctor|clinician|MD))?|ordering(?:${WS}(?:physician|provider|clinician|MD))?|requesting(?:${WS}(?:physician|clinician))?|primary${WS}care(?:${WS}(?:physician|provider))?|PCP|cc|copy${WS}to|copies${WS}to|dear|patient${WS}name|patient|pt\\.?|name|per|wife|husband|son|daughter|dtr|girlfriend|boyfriend|mother|father|sister|brother|spouse|partner|fianc[ée]e?|niece|nephew|grandson|granddaughter|grandmother|grandfather|aunt|uncle|cousin|guardian|caregiver|friend|neighbou?r|roommate|(?:health${WS}care${WS})?proxy|HCP|POA|next${WS}of${WS}kin|emergency${WS}contact|(?:(?:yours${WS})?(?:sincerely|faithfully|truly)|(?:kind${WS}|best${WS})?regards)(?=[ \\t]*,?[ \\t]*\\r?\\n)|(?:year${WS}?-?old|y/?o|yo)${WS}(?:man|woman|male|female|boy|girl|patient|gentleman|lady)[ \\t]*,)(?![\\p{L}])[ \\t]*[:,#-]?[ \\t]*(?:\\r?\\n[ \\t]*){0,2}(?:named${WS})?`,
  'giu',
);

/** A relative or friend named right after the word: "dtr suzette", "SON ROB", "husband milovan". */
const RELATION_WORD =
  /^(?:wife|husband|son|daughter|dtr|mother|father|sister|brother|spouse|partner|fianc[ée]e?|niece|nephew|grandson|granddaughter|grandmother|grandfather|aunt|uncle|cousin|friend|girlfriend|boyfriend|neighbou?r|roommate)\b/iu;

/** A credential after a name marks it: "John Smith, MD", "A. Jones RN". */
const NAME_BEFORE_CREDENTIAL = new RegExp(
  `(?<![\\p{L}])(?<name>(?:${NAME_TOKEN_SRC},[ \\t]*)?(?:${NAME_TOKEN_SRC}${WS}){0,3}${NAME_TOKEN_SRC}),?${WS}(?:MD|M\\.D\\.|RN|NP|PA-C|PhD|MBBS|FRCR|FRCPC|DNP|APRN|CRNA)(?![\\p{L}])|(?<![\\p{L}])(?<name2>(?:${NAME_TOKEN_SRC}${WS}){0,3}${NAME_TOKEN_SRC}),[ \\t]*DO(?![\\p{L}])`,
  'gu',
);
/**
 * A signature before a credential in any case: "ROBERT V. DEGIORGIO, RRT", "q. lander rrt", "V. Finn, RRT".
 * Words before the name that are common words ("… at this time. q. lander") are not taken.
 */
const CREDENTIAL_WORD =
  /(?<=[\p{L}.][ \t]*,?[ \t]+)(?:RRT|CRT|RN|RT|LPN|NP|MD|PA-C|CNA|MSW|LICSW|LCSW|PharmD)(?![\p{L}])/giu;
/** The words before a credential (found first, then read backwards: far cheaper than from every word). */
const SIGNATURE_BEFORE = /((?:\p{L}[\p{L}'’-]*\.?[ \t]+){0,3}\p{L}[\p{L}'’-]+),?[ \t]+$/u;

function findCredentialSignatures(text: string, out: Sink) {
  CREDENTIAL_WORD.lastIndex = 0;
  for (const c of text.matchAll(CREDENTIAL_WORD)) {
    const from = Math.max(0, c.index - 80);
    const m = SIGNATURE_BEFORE.exec(text.slice(from, c.index));
    if (!m) continue;
    m.index += from;
    if (m.index > 0 && /[\p{L}'’-]/u.test(text[m.index - 1] ?? '')) continue;
    const words = [...(m[1] ?? '').matchAll(/\p{L}[\p{L}'’-]*\.?/gu)];
    // Keep the last run of name-like words: initials, known names, words no common word nor abbreviation.
    let first = words.length;
    for (let i = words.length - 1; i >= 0; i--) {
      const w = words[i]![0];
      const initial = /^\p{L}\.$/u.test(w);
      const nameLike =
        initial || (!isCommonNonName(w) && !isNotNameWord(w) && !isMedicalWord(w) && w.length > 1);
      if (!nameLike) break;
      first = i;
    }
    const kept = words.slice(first);
    // One initial alone ("4 L NP") is no signature.
    if (kept.length === 0 || kept.every((w) => /^\p{L}\.?$/u.test(w[0]))) continue;
    const start = m.index + kept[0]!.index;
    const last = kept[kept.length - 1]!;
    push(
      out,
      start,
      m.index + last.index + last[0].replace(/\.$/u, '').length,
      'NAME',
      'name-credential',
      0.85,
    );
  }
}

/** DICOM person-name form written into text: DOE^JANE^Q. */
const CARET_NAME = /(?<![\p{L}])\p{Lu}[\p{L}'’-]*\^[\p{L}'’.-]*(?:\^[\p{L}'’.-]*)*/gu;
/** All-caps "LAST, FIRST" (name lists, worklists). */
const CAPS_LAST_FIRST =
  /(?<![\p{L}])(\p{Lu}{2,}(?:[-'’]\p{Lu}{2,})?),[ \t]*(\p{Lu}{2,}(?:[-'’]\p{Lu}{2,})?)(?:[ \t]+\p{Lu}\.?)?(?![\p{L}])/gu;
/** "wong, kim" in lower case: taken only when the given name is a known one. */
const LOWER_LAST_FIRST = /(?<![\p{L}])(\p{Ll}{2,}(?:[-'’]\p{Ll}{2,})?),[ \t]*(\p{Ll}{2,})(?![\p{L}])/gu;
/** Two words, the first possibly a given name: "Jonathan Whitmore", "JONATHAN WHITMORE". */
const WORD = /(?<![\p{L}'’-])\p{L}+/gu;
const WORD_PAIR = /(\p{L}+)[ \t]+(\p{L}(?:['’]\p{L})?\p{L}*(?:-\p{L}+)*)(?![\p{L}])/uy;
/** Initials of a reader in a header line: "WET READ: CTN", "Initials: AB". */
const INITIALS =
  /(?<![\p{L}])(?:WET[ \t]+READ|initials|read[ \t]+by|prelim(?:inary)?[ \t]+read)[ \t]*:?[ \t]*(?<i>\p{Lu}{2,3})(?![\p{L}])/giu;

const LEADING_TOKEN = new RegExp(`${NAME_TOKEN_SRC}|\\p{Lu}[\\p{L}'’.-]*`, 'uy');

/** Words that begin place names although the name rules stop at them. */
const PLACE_WORDS = new Set([
  'port',
  'mount',
  'lake',
  'north',
  'south',
  'east',
  'west',
  'new',
  'fort',
  'saint',
  'st.',
  'upper',
  'lower',
]);

function trimLeadingNotNames(text: string, start: number, end: number, keepPlaces = false): number {
  const re = LEADING_TOKEN;
  let pos = start;
  while (pos < end) {
    const m = sticky(re, text, pos);
    if (!m || !isNotNameWord(m[0]) || (keepPlaces && PLACE_WORDS.has(m[0].toLowerCase()))) break;
    const gap = sticky(GAP, text, m.index + m[0].length);
    if (!gap) return end;
    pos = gap.index + gap[0].length;
  }
  return pos;
}

function findNames(text: string, out: Sink) {
  TITLE_ANYWHERE.lastIndex = 0;
  for (const m of text.matchAll(TITLE_ANYWHERE))
    parseNameList(text, m.index, 'strong', out, 'name-title', 0.95);
  NAME_TRIGGER.lastIndex = 0;
  for (const m of text.matchAll(NAME_TRIGGER)) {
    const relation = RELATION_WORD.test(m[0]);
    parseNameList(text, m.index + m[0].length, 'medium', out, 'name-context', 0.85, relation);
  }
  findCredentialSignatures(text, out);
  NAME_BEFORE_CREDENTIAL.lastIndex = 0;
  for (const m of text.matchAll(NAME_BEFORE_CREDENTIAL)) {
    const name = m.groups?.name ?? m.groups?.name2 ?? '';
    const start = trimLeadingNotNames(text, m.index, m.index + name.length);
    const taken = text.slice(start, m.index + name.length);
    // "4 L NP" (litres by nasal prongs) and "SEE MD" are no signatures.
    if (/^\p{L}$/u.test(taken) || (isCaseless(taken) && isCommonNonName(taken))) continue;
    push(out, start, m.index + name.length, 'NAME', 'name-credential', 0.9);
  }
  CARET_NAME.lastIndex = 0;
  for (const m of text.matchAll(CARET_NAME))
    push(out, m.index, m.index + m[0].length, 'NAME', 'name-dicom', 0.95);
  CAPS_LAST_FIRST.lastIndex = 0;
  for (const m of text.matchAll(CAPS_LAST_FIRST)) {
    const [, last = '', first = ''] = m;
    // "DOE, JANE" is a name although DOE is an abbreviation; "CT, MRI" (two abbreviations) is not, nor is a
    // clinical word beside anything ("PAIN, AFIB", "REPAIR, OBESITY", "HISTOPLASMOSIS, OR").
    const notName = (w: string) => isNotNameWord(w) && !isMedicalWord(w);
    if (notName(last) || notName(first) || (isMedicalWord(last) && isMedicalWord(first))) continue;
    if (isClinicalWord(last) || isClinicalWord(first)) continue;
    // Where everything is in capitals, "VS, BP" and "ALERT, ORIENTED" have the same shape: the given name
    // must be a known one and the family name no common word or abbreviation.
    // A short capitalised word is more often an abbreviation ("HR, SBP", "LCX, PTCA"): then the given name
    // must be a known one.
    if ((last.length <= 3 || first.length <= 3) && !isKnownName(first)) continue;
    const caseless = caselessAt(text, m.index);
    if (caseless && (!isKnownName(first) || isMedicalWord(last) || isCommonNonName(last))) continue;
    push(out, m.index, m.index + m[0].length, 'NAME', 'name-last-first', 0.7);
  }
  for (const m of text.matchAll(LOWER_LAST_FIRST)) {
    const [, last = '', first = ''] = m;
    if (!isKnownName(first) || isCommonNonName(last) || isNotNameWord(last) || isMedicalWord(last)) continue;
    push(out, m.index, m.index + m[0].length, 'NAME', 'name-last-first', 0.7);
  }
  findGivenFamily(text, out);
  INITIALS.lastIndex = 0;
  for (const m of text.matchAll(INITIALS)) {
    const initials = m.groups?.i ?? '';
    if (isMedicalWord(initials) || initials !== initials.toUpperCase()) continue;
    const end = m.index + m[0].length;
    push(out, end - initials.length, end, 'NAME', 'name-initials', 0.8);
  }
}

/**
 * A name without a title or cue: a distinct given name ("Jonathan", not "Will") followed by a word that is
 * no common word, abbreviation nor medical term. Works in any case; the list is the cue, not the capital.
 */
function findGivenFamily(text: string, out: Sink) {
  WORD.lastIndex = 0;
  for (const w of text.matchAll(WORD)) {
    // A set lookup first; the pair is read only after a given name.
    if (!isDistinctGivenName(w[0]) || isNotNameWord(w[0])) continue;
    const m = sticky(WORD_PAIR, text, w.index);
    if (!m) continue;
    const family = m[2] ?? '';
    if (family.length < 2 || isCommonNonName(family) || isNotNameWord(family) || isMedicalWord(family))
      continue;
    push(out, m.index, m.index + m[0].length, 'NAME', 'name-given-family', 0.75, true);
  }
}

// ---------------------------------------------------------------------------------------------- dates, ages

/** Header dates, to mark the spans that match them as header-known. */
export interface KnownDates {
  dateKeys: Set<string>;
  monthDayKeys: Set<string>;
}

function findDates(text: string, out: Sink, known: KnownDates | undefined) {
  scanDates(text, (hit) => {
    const key = dateKey(hit.parts);
    const monthDay =
      hit.parts.m !== undefined && hit.parts.d !== undefined
        ? (key?.slice(4) ?? String(hit.parts.m).padStart(2, '0') + String(hit.parts.d).padStart(2, '0'))
        : null;
    if (
      known &&
      ((key && known.dateKeys.has(key)) || (!key && monthDay && known.monthDayKeys.has(monthDay)))
    ) {
      out.push({
        start: hit.start,
        end: hit.end,
        category: 'DATE',
        source: 'header',
        confidence: 0.99,
        weak: false,
      });
      return;
    }
    push(out, hit.start, hit.end, 'DATE', hit.rule, hit.parts.y === undefined ? 0.8 : 0.95);
  });
  scanTimes(text, (hit) => push(out, hit.start, hit.end, 'DATE', 'time', 0.9));
}

const YEAR = `(?:(?:1[89]|20)\\d{2})`;
const MONTH_WORD =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const ORDINAL_WORD =
  '(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth|(?:twenty|thirty)[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth))';
/** French, Spanish, Italian, German and Portuguese month names. */
const FOREIGN_MONTH =
  '(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|januar|februar|m[äa]rz|juni|juli|oktober|dezember|janeiro|fevereiro|mar[çc]o|maio|junho|julho|setembro|outubro|novembro|dezembro)';
const HOLIDAY =
  "(?:christmas(?:[ \\t]+(?:day|eve))?|new[ \\t]+year['’]?s(?:[ \\t]+(?:day|eve))?|thanksgiving(?:[ \\t]+day)?|easter(?:[ \\t]+(?:sunday|monday))?|independence[ \\t]+day|boxing[ \\t]+day|hallowe['’]?en|labou?r[ \\t]+day|memorial[ \\t]+day|veterans['’]?[ \\t]+day|valentine['’]?s[ \\t]+day|st\\.?[ \\t]+patrick['’]?s[ \\t]+day|4th[ \\t]+of[ \\t]+july|fourth[ \\t]+of[ \\t]+july)";
/** Dates the numeric and month-day rules do not read: holidays, ordinals in words, "Mar '19", other languages. */
const DATE_WORDS = new RegExp(
  [
    `${HOLIDAY}(?:,?${WS}(?:of${WS})?${YEAR})?`,
    `(?:the${WS})?${ORDINAL_WORD}${WS}(?:of${WS})?${MONTH_WORD}\\.?(?:,?${WS}${YEAR})?`,
    `${MONTH_WORD}\\.?${WS}(?:the${WS})?${ORDINAL_WORD}(?:,?${WS}${YEAR})?`,
    `${MONTH_WORD}\\.?${WS}['’]\\d{2}`,
    `\\d{1,2}(?:\\.|er|º)?(?:${WS}de)?${WS}${FOREIGN_MONTH}(?:${WS}(?:de${WS})?${YEAR})?`,
    `${FOREIGN_MONTH}${WS}(?:de${WS})?${YEAR}`,
    // Month and year in numbers ("8/87", "11/92", "4/1997"): a second number that cannot be a day.
    `(?<![\\w./:+-])(?:0?[1-9]|1[0-2])/(?:3[2-9]|[4-9]\\d|(?:19|20)\\d{2})(?![\\w/%]|[.,]\\d)`,
  ]
    .join('|')
    // One word-start check for all the forms: most positions fail there at once.
    .replace(/^/u, '(?<![\\p{L}\\d])(?:')
    .concat(')(?![\\p{L}\\d])'),
  'giu',
);

function findDateWords(text: string, out: Sink) {
  DATE_WORDS.lastIndex = 0;
  for (const m of text.matchAll(DATE_WORDS))
    push(out, m.index, m.index + m[0].length, 'DATE', 'date-words', 0.85);
}

const OLD_NUMBER = '(?:9\\d|1[01]\\d)';
const AGE_BEFORE_YEARS = new RegExp(
  `(?<![\\w.])${OLD_NUMBER}(?=[ \\t]?-?[ \\t]?(?:years?|yrs?|y/?o(?![\\p{L}])|y\\.o\\.|yo(?![\\p{L}])|-?year))`,
  'giu',
);
const AGE_AFTER_WORD = new RegExp(
  `(?<=(?<![\\p{L}])(?:aged?|age${WS}of|age:)[ \\t]*:?[ \\t]*)${OLD_NUMBER}(?![\\w.]|\\.\\d)`,
  'giu',
);
const AGE_WRITTEN =
  /(?<![\p{L}])(?:ninety(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|one[- ]hundred(?:[- ](?:and[- ])?\w+)?)(?=[ \t]?-?[ \t]?(?:years?|-year|y\/?o(?![\p{L}])|y\.o\.))/giu;

/**
 * "93F", "101 yo M", "91 W" or a DICOM age string ("093Y"): an age and a sex (or year) letter; a temperature
 * ("T 101F", "febrile to 102F") is not one.
 */
const AGE_SEX = new RegExp(`(?<![\\w.])0?${OLD_NUMBER}(?=[ \\t]?(?:y/?o[ \\t]?)?[FMWY](?![\\p{L}°]))`, 'giu');
const TEMPERATURE_BEFORE = /(?:temp(?:erature)?|tmax|t|febrile|fever|spiked|°)\W{0,3}(?:to\W{1,3})?$/iu;

function findAges(text: string, out: Sink) {
  for (const re of [AGE_BEFORE_YEARS, AGE_AFTER_WORD, AGE_WRITTEN]) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) push(out, m.index, m.index + m[0].length, 'AGE', 'age-over-89', 0.95);
  }
  AGE_SEX.lastIndex = 0;
  for (const m of text.matchAll(AGE_SEX)) {
    if (TEMPERATURE_BEFORE.test(text.slice(Math.max(0, m.index - 16), m.index))) continue;
    push(out, m.index, m.index + m[0].length, 'AGE', 'age-over-89', 0.9);
  }
}

// ---------------------------------------------------------------------------------------------- identifiers

const ID_LABEL = new RegExp(
  `(?<![\\p{L}])(?:MRN|MR#|MR${WS}No\\.?|Medical${WS}Record(?:${WS}(?:Number|No\\.?|#))?|Unit${WS}(?:No\\.?|Number)|Acc(?:ession)?(?:${WS}(?:No\\.?|Number|#)|#)?|Accn|Account(?:${WS}(?:No\\.?|Number|#))?|Acct\\.?(?:[ \\t]?#)?|Patient${WS}ID|Pt${WS}ID|PID|ID|Encounter(?:${WS}(?:No\\.?|Number|ID|#))?|Visit${WS}(?:No\\.?|Number|ID|#)|Order(?:${WS}(?:No\\.?|Number|ID|#))|Requisition(?:${WS}(?:No\\.?|Number|#))?|Study${WS}ID|Exam${WS}(?:No\\.?|Number|#)|CSN|FIN|HAR|SSN|Social${WS}Security(?:${WS}(?:Number|No\\.?|#))?|Insurance${WS}(?:ID|No\\.?|Number)|Member${WS}ID|Policy(?:${WS}(?:No\\.?|Number|#))|Serial(?:${WS}(?:No\\.?|Number|#))?|License(?:${WS}(?:No\\.?|Number|#))|Device${WS}ID|Badge(?:${WS}(?:No\\.?|#))?)(?![\\p{L}])[ \\t]*(?:[:#=]|no\\.?|number)?[ \\t]*(?:\\r?\\n[ \\t]*)?#?[ \\t]*(?<v>[A-Za-z0-9](?:[A-Za-z0-9]|[-./_](?=[A-Za-z0-9]))*)`,
  'giu',
);
const SSN = /(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w]|-\d)/gu;
const LONG_NUMBER = /(?<![\w.,/-])\d{5,}(?![\w]|[.,]\d)/gu;
const CODE = /(?<![\w-])(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]+(?:-[A-Z0-9]+)*(?![\w]|-\w)/gu;
const SPINAL = /^[CTLS]\d{1,2}(?:-[CTLS]?\d{1,2})*$/u;
/** Quantities and ventilator settings, not codes: "1500CC", "30-40CC", "100MCG", "600X12". */
const QUANTITY = /^\d+(?:-\d+)?(?:CC|ML|MCGS?|MG|KG|MEQ|GMS?|UNITS?|L|HRS?|MIN|MMHG|X\d+)$/iu;

function findIdentifiers(text: string, out: Sink) {
  ID_LABEL.lastIndex = 0;
  for (const m of text.matchAll(ID_LABEL)) {
    const v = m.groups?.v ?? '';
    if (!/\d/u.test(v) || v.length < 3) continue;
    const end = m.index + m[0].length;
    push(out, end - v.length, end, 'ID', 'id-labelled', 0.95);
  }
  SSN.lastIndex = 0;
  for (const m of text.matchAll(SSN)) push(out, m.index, m.index + m[0].length, 'ID', 'ssn', 0.95);
  LONG_NUMBER.lastIndex = 0;
  for (const m of text.matchAll(LONG_NUMBER))
    push(out, m.index, m.index + m[0].length, 'ID', 'long-number', 0.8);
  CODE.lastIndex = 0;
  for (const m of text.matchAll(CODE)) {
    const code = m[0];
    const alnum = code.replace(/-/gu, '');
    const digits = alnum.replace(/\D/gu, '').length;
    if (alnum.length < 6 || digits < 3 || SPINAL.test(code) || QUANTITY.test(code)) continue;
    push(out, m.index, m.index + code.length, 'ID', 'id-code', 0.85, true);
  }
}

// ---------------------------------------------------------------------------------------------- contacts

const EMAIL = /(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gu;
const URL = /(?<![\w/])(?:https?:\/\/|www\.)[^\s<>"')\]]+[^\s<>"')\].,;:!?]/giu;
const IP = /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w]|\.\d)/gu;
/** Between the groups of a phone number: "-", ".", "/", a space, "- " or a line wrap. */
const PSEP = '(?:[-./][ \\t]?|[ \\t]*\\r?\\n[ \\t]*|[ \\t])';
const EXTENSION = `(?:,?${WS}?(?:x|ext\\.?|extension|#)[ \\t]*\\d{1,6})?`;
const PHONE = new RegExp(
  `(?<![\\w.+/]|\\d-)(?:\\+?1${PSEP}?)?(?:\\(\\d{3}\\)${PSEP}?|\\d{3}${PSEP})\\d{3}${PSEP}\\d{4}${EXTENSION}(?![\\w]|[-/]\\d)|(?<![\\w.+(-])\\d{3}-\\d{4}${EXTENSION}(?![\\w]|-\\d)`,
  'giu',
);
const PHONE_LABELLED = new RegExp(
  `(?<![\\p{L}])(?:pager|beeper|pgr|page|paged${WS}at|phone|tel|telephone|cell|mobile|fax|facsimile|ext|extension|x|call${WS}back|callback|contact${WS}number|reached${WS}at)\\.?(?![\\p{L}])[ \\t]*(?:number|no\\.?|#)?[ \\t]*[:#]?[ \\t]*(?:\\r?\\n[ \\t]*)?(?<v>\\(?\\d[\\d() .-]{2,}\\d)`,
  'giu',
);

const OBF_AT = '(?:[ \\t]*[([{<][ \\t]*at[ \\t]*[)\\]}>][ \\t]*|[ \\t]+at[ \\t]+)';
const OBF_DOT = '(?:[ \\t]*[([{<][ \\t]*dot[ \\t]*[)\\]}>][ \\t]*|[ \\t]+dot[ \\t]+|\\.)';
/** An e-mail address written to dodge filters: "kwong at bidmc dot org", "kwong [at] bidmc [dot] org". */
const EMAIL_OBFUSCATED = new RegExp(
  `(?<![\\w.+-])[\\w.+-]+${OBF_AT}[\\w-]+(?:${OBF_DOT}[\\w-]+)*${OBF_DOT}(?:com|org|net|edu|gov|mil|int|info|io|co|uk|de|fr|es|it|nl|ca|au|ch|be|se|no|dk|jp|cn|in|health|nhs)(?![\\w])`,
  'giu',
);
/** A user name: letters and digits joined by an underscore ("kim_wong57"). */
const USER_NAME = /(?<![\w.@-])\p{L}[\p{L}\d]*_[\p{L}\d_]*[\p{L}\d](?![\w@])/gu;
/** An international number: "+44 20 7946 0958", "+33 1 42 68 53 00", "+1-617-555-0100". */
const PHONE_INTERNATIONAL = /(?<![\w+])\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,5}\)?){2,6}(?![\w]|[.-]\d)/gu;

function findContacts(text: string, out: Sink) {
  for (const re of [EMAIL_OBFUSCATED, USER_NAME]) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re))
      push(out, m.index, m.index + m[0].length, 'CONTACT', re === USER_NAME ? 'user-name' : 'email', 0.85);
  }
  PHONE_INTERNATIONAL.lastIndex = 0;
  for (const m of text.matchAll(PHONE_INTERNATIONAL)) {
    const digits = m[0].replace(/\D/gu, '').length;
    if (digits >= 8 && digits <= 15) push(out, m.index, m.index + m[0].length, 'CONTACT', 'phone', 0.9);
  }
  for (const re of [EMAIL, URL, IP, PHONE]) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re))
      push(out, m.index, m.index + m[0].length, 'CONTACT', contactRule(re), 0.95);
  }
  PHONE_LABELLED.lastIndex = 0;
  for (const m of text.matchAll(PHONE_LABELLED)) {
    const v = (m.groups?.v ?? '').replace(/[ .-]+$/u, '');
    if (v.replace(/\D/gu, '').length < 4) continue;
    const start = m.index + m[0].length - (m.groups?.v ?? '').length;
    push(out, start, start + v.length, 'CONTACT', 'phone-labelled', 0.9);
  }
}

function contactRule(re: RegExp): string {
  if (re === EMAIL) return 'email';
  if (re === URL) return 'url';
  if (re === IP) return 'ip-address';
  return 'phone';
}

// ---------------------------------------------------------------------------------------------- locations

const upperToo = (words: string[]) => words.flatMap((w) => [w, w.toUpperCase()]).join('|');
const CAPW = "(?:\\p{Lu}[\\p{L}'’.-]*)";
const INSTITUTION_KEYWORD = `(?:${upperToo([
  'Hospital',
  'Medical Center',
  'Medical Centre',
  'Health Center',
  'Health System',
  'Healthcare',
  'Health Care',
  'Clinic',
  'Infirmary',
  'Institute',
  'Cancer Center',
  'Nursing Home',
  'Rehabilitation Center',
  'Imaging Center',
  'Surgical Center',
  'Memorial',
]).replace(/ /gu, WS)})`;
const INSTITUTION = new RegExp(
  `(?<![\\p{L}])(?:(?:St\\.?|Saint|Mount|Mt\\.?|ST\\.?|SAINT)${WS}|(?:de|del|la|le|van|von|di|da)${WS})?(?:${CAPW}${WS}(?:(?:of|the|and|&|OF|THE|AND)${WS})?){1,5}${INSTITUTION_KEYWORD}(?![\\p{L}])(?:${WS}(?:of|at|OF|AT)${WS}${CAPW}(?:${WS}${CAPW}){0,2})?`,
  'gu',
);
const STARTS_WITH_KEYWORD = new RegExp(`^${INSTITUTION_KEYWORD}`, 'u');
const STREET_SUFFIX = `(?:${upperToo([
  'Street',
  'St',
  'Avenue',
  'Ave',
  'Road',
  'Rd',
  'Boulevard',
  'Blvd',
  'Lane',
  'Ln',
  'Drive',
  'Court',
  'Ct',
  'Way',
  'Place',
  'Pl',
  'Terrace',
  'Parkway',
  'Pkwy',
  'Circle',
  'Cir',
  'Highway',
  'Hwy',
  'Square',
  'Trail',
  'Plaza',
  'Row',
  'Pike',
])})`;
const STATE_NAMES =
  'Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming';
const CITY = `${CAPW}(?:${WS}${CAPW}){0,2}`;
const STATE_ZIP = `(?:\\p{Lu}{2}${WS}\\d{5}(?:-\\d{4})?|(?:${STATE_NAMES})(?:${WS}\\d{5}(?:-\\d{4})?)?)`;
const ADDRESS = new RegExp(
  `(?<![\\w])\\d{1,6}${WS}(?:[NSEW]\\.?${WS})?(?:${CAPW}${WS}){1,3}${STREET_SUFFIX}\\.?(?![\\p{L}])(?:,?[ \\t]*(?:Apt|Apartment|Suite|Ste|Unit|Room|Rm|#)\\.?[ \\t]*#?[\\w-]+)?(?:,${WS}${CITY},?${WS}${STATE_ZIP})?`,
  'gu',
);
const ADDRESS_WITH_TOWN = new RegExp(
  `(?<![\\w])\\d{1,6}${WS}(?:[NSEW]\\.?${WS})?(?:(?:${CAPW}|\\d{1,3}(?:st|nd|rd|th))${WS}?){1,4}(?:,?[ \\t]*(?:Apt|Apartment|Suite|Ste|Unit|#)\\.?[ \\t]*#?[\\w-]+)?,${WS}${CITY},?${WS}${STATE_ZIP}(?![\\p{L}\\p{N}])`,
  'gu',
);
const CITY_STATE_ZIP = new RegExp(`(?<![\\p{L}])${CITY},${WS}${STATE_ZIP}(?![\\p{L}\\p{N}])`, 'gu');
const LOCATION_TRIGGER = new RegExp(
  `(?<![\\p{L}])(?:lives|living|resides|residing|resident|home|born|moved|relocated|transferred|transfer|arrived|visiting|travell?ed|travell?ing|returned|trip|vacation|went|taken|go|goes|going|sent|accepted|admitted|discharged|brought|transported|called|back|surgeon|coordinator|cooridinator)${WS}(?:in|from|to|of|at|by|@)${WS}(?:the${WS})?`,
  'giu',
);

/** Where a person works: the employer's name follows. */
const EMPLOYER_TRIGGER = new RegExp(
  `(?<![\\p{L}])(?:works?${WS}(?:at|for)|working${WS}(?:at|for)|employed${WS}(?:at|by)|employee${WS}of|job${WS}at|retired${WS}from)${WS}`,
  'giu',
);
/** Words that end a place or employer name in any case. */
const PLACE_STOP = new Set(
  'a an the as in on at for since with and or but to of by from who which that where when he she they his her their was is has had will last this next until after before'.split(
    ' ',
  ),
);
const PLACE_WORD = /[\p{L}][\p{L}'’.&-]*/uy;

const HOSPITAL_UNITS = new Set(
  'cath angio rehab floor stepdown micu sicu ccu csru vicu nicu picu pacu icu unit ward hosp hospital home nursing osh ew er ed radiology or o.r ir ct cta mri us cpap bipap psv nrb bb eve lab pt ot'.split(
    ' ',
  ),
);

/** An institution named with ordinary words: "sacred heart hospital", "HOLY CROSS REHAB". */
const NAMED_INSTITUTION =
  /(?:[\p{L}'’.-]+[ \t]+){1,3}(?:hospital|hosp|memorial|medical[ \t]+center|clinic|rehab|infirmary|nursing[ \t]+home)(?![\p{L}])/iuy;

/** Up to four words after `at` until a function word or punctuation: "springfield", "Acme Logistics". */
function placeAfter(text: string, at: number): { start: number; end: number } | null {
  const institution = sticky(NAMED_INSTITUTION, text, at);
  if (institution && !PLACE_STOP.has((institution[0].split(/[ \t]/u)[0] ?? '').toLowerCase()))
    return { start: at, end: at + institution[0].length };
  let pos = at;
  let end = -1;
  for (let n = 0; n < 4; n++) {
    const w = sticky(PLACE_WORD, text, pos);
    if (!w || PLACE_STOP.has(w[0].toLowerCase())) break;
    const first = n === 0;
    const word = w[0].toLowerCase();
    // Units and services of the hospital itself ("to ccu", "from cath lab", "to OR") are no places.
    if (first && (HOSPITAL_UNITS.has(word.replace(/\.$/u, '')) || word.length === 1)) return null;
    if (first && isCommonNonName(w[0]) && !PLACE_WORDS.has(word)) return null;
    end = w.index + w[0].replace(/[.]+$/u, '').length;
    const gap = sticky(/[ \t]+/uy, text, w.index + w[0].length);
    if (!gap) break;
    pos = gap.index + gap[0].length;
  }
  return end > at ? { start: at, end } : null;
}

function findLocations(text: string, out: Sink) {
  for (const [re, rule] of [
    [LOCATION_TRIGGER, 'location-context'],
    [EMPLOYER_TRIGGER, 'employer'],
  ] as const) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      const place = placeAfter(text, m.index + m[0].length);
      if (place && !isNotNameWord(text.slice(place.start, place.end).split(/\s/u)[0] ?? ''))
        push(out, place.start, place.end, 'LOCATION', rule, 0.7, true);
    }
  }
  INSTITUTION.lastIndex = 0;
  for (const m of text.matchAll(INSTITUTION)) {
    const start = trimLeadingNotNames(text, m.index, m.index + m[0].length, true);
    const inner = text.slice(start, m.index + m[0].length);
    // "General Hospital" on its own is a kind of place, not a named one.
    if (!STARTS_WITH_KEYWORD.test(inner) || /^(?:St|Saint|Mount|Mt)\b/iu.test(inner)) {
      push(out, start, m.index + m[0].length, 'LOCATION', 'institution', 0.85, true);
    }
  }
  for (const re of [ADDRESS, ADDRESS_WITH_TOWN]) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re))
      push(out, m.index, m.index + m[0].length, 'LOCATION', 'street-address', 0.9);
  }
  CITY_STATE_ZIP.lastIndex = 0;
  for (const m of text.matchAll(CITY_STATE_ZIP)) {
    const start = trimLeadingNotNames(text, m.index, m.index + m[0].length);
    push(out, start, m.index + m[0].length, 'LOCATION', 'city-state', 0.85, true);
  }
}

/** Runs every rule over `text` (placeholders already masked). */
export function ruleCandidates(text: string, knownDates?: KnownDates): RuleCandidate[] {
  const out: RuleCandidate[] = [];
  findNames(text, out);
  findDates(text, out, knownDates);
  findDateWords(text, out);
  findAges(text, out);
  findIdentifiers(text, out);
  findContacts(text, out);
  findLocations(text, out);
  return out;
}
