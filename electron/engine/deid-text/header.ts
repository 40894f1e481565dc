/**
 * Header-informed scrubbing: the identifiers known for a study (DICOM header, source CSV) are compiled into
 * a few combined regular expressions that find them in the report with their variants: name order, commas
 * and carets, initials, case, accents, hyphens and spaces, IDs with or without separators and leading zeros.
 */
import { isMedicalHeadNoun, isMedicalWord, isNotNameWord } from './allow-list.ts';
import { WS } from './dates.ts';
import { UNSPACED, informativeWord, personNameGroups } from './known-values.ts';
import type { Candidate, KnownIdentifiers } from './types.ts';

export interface PersonName {
  family: string[];
  given: string[];
  middle: string[];
}

export interface CompiledHeader {
  readonly fullNames: RegExp | null;
  readonly initials: RegExp | null;
  readonly singleNames: RegExp | null;
  readonly ids: RegExp | null;
  readonly places: RegExp | null;
  readonly placeWords: RegExp | null;
  /** Header dates as `YYYYMMDD`, and as `MMDD` for dates written without a year. */
  readonly dateKeys: Set<string>;
  readonly monthDayKeys: Set<string>;
  /** Normalised name word → whether the header knows it as a family or a given name. */
  readonly roles: Map<string, 'family' | 'given'>;
}

/** Lower case without accents: the form every comparison of names uses. */
export function normaliseWord(word: string): string {
  return word
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');

/** Each base letter with its accented forms, so "Jose" finds "José" and "José" finds "JOSE". */
const LETTER_CLASS = (() => {
  const map = new Map<string, Set<string>>();
  for (let cp = 0xc0; cp <= 0x24f; cp++) {
    const ch = String.fromCodePoint(cp);
    const base = ch
      .normalize('NFD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase();
    if (base.length !== 1 || !/[a-z]/u.test(base) || base === ch.toLowerCase()) continue;
    const set = map.get(base) ?? new Set<string>([base]);
    set.add(ch.toLowerCase());
    map.set(base, set);
  }
  const out = new Map<string, string>();
  for (const [base, set] of map) out.set(base, `[${[...set].join('')}]`);
  return out;
})();

function upperInitial(base: string): string {
  const cls = LETTER_CLASS.get(base);
  return `(?-i:${cls ? cls.toUpperCase() : base.toUpperCase()})`;
}

/** A word as an accent-, case- (with the `i` flag) and punctuation-tolerant pattern. */
function fuzzyWord(word: string): string {
  let out = '';
  for (const ch of normaliseWord(word)) {
    if (/[a-z]/u.test(ch)) out += LETTER_CLASS.get(ch) ?? ch;
    else if (/[-'’ \t]/u.test(ch)) out += "[-'’ \\t]?";
    else if (ch === '.') out += '\\.?';
    else out += escape(ch);
  }
  return out;
}

/** Parses `LAST^FIRST^MIDDLE`, `Last, First Middle` or `First Middle Last`; null when it says nothing. */
export function parsePersonName(raw: string): PersonName | null {
  const p = nameParts(raw.trim());
  // A name needs one word with information: `-`, `----` or `a` alone would match everywhere.
  return [...p.family, ...p.given, ...p.middle].some(informativeWord) ? p : null;
}

function nameParts(value: string): PersonName {
  const words = (s: string | undefined) => (s ?? '').split(/\s+/u).filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (value.includes('^')) {
    const [family, given, middle] = value.split('^');
    return { family: words(family), given: words(given), middle: words(middle) };
  }
  if (value.includes(',')) {
    const [family, rest] = value.split(',', 2);
    const [given, ...middle] = words(rest);
    return { family: words(family), given: given ? [given] : [], middle };
  }
  const all = words(value);
  if (all.length === 1) return { family: all, given: [], middle: [] };
  return { family: all.slice(-1), given: all.slice(0, 1), middle: all.slice(1, -1) };
}

/** Between the parts of a name: spaces, one line break, a comma or a DICOM caret. */
const NS = `(?:[ \\t]*[,^][ \\t]*(?:\\r?\\n[ \\t]*)?|${WS})`;

function namePatterns(p: PersonName): { full: string[]; initials: string[]; singles: string[] } {
  const full: string[] = [];
  const initials: string[] = [];
  const singles: string[] = [];
  const F = p.family.map(fuzzyWord).join(NS);
  const G = p.given.map(fuzzyWord).join(NS);
  const M = p.middle.map(fuzzyWord).join(NS);
  const f0 = normaliseWord(p.family[0] ?? '')[0];
  const g0 = normaliseWord(p.given[0] ?? '')[0];
  const m0 = normaliseWord(p.middle[0] ?? '')[0];
  // Initials must be capitals even though the rest of the pattern ignores case ("Mr." is not M. R.).
  const gi = g0 ? `${upperInitial(g0)}\\.?` : '';
  const mi = m0 ? `${upperInitial(m0)}\\.?` : '';
  // A middle name or initial the header does not know may still stand between given and family name.
  const middle = M ? `(?:${NS}(?:${M}|${mi}))?` : `(?:${NS}(?!${UNSPACED.source})\\p{L}\\.?)?`;
  if (F && G) {
    full.push(`${G}${middle}${NS}${F}`, `${F}${NS}${G}${middle}`);
    full.push(
      `${gi}[ \\t]?${mi ? `(?:${mi}[ \\t]?)?` : ''}${F}`,
      `${F},?[ \\t]*(?!(?:MD|DO|RN|NP|PA)(?![\\p{L}]))${gi}(?:[ \\t]?${mi})?`,
    );
  } else if (F) {
    full.push(F);
  }
  if (f0 && g0) {
    const up = (c: string) => c.toUpperCase();
    initials.push(`${up(g0)}\\.?[ ]?${m0 ? `(?:${up(m0)}\\.?[ ]?)?` : ''}${up(f0)}\\.?`);
  }
  if (p.family.length > 1) singles.push(F);
  for (const word of [...p.family, ...p.given])
    if (normaliseWord(word).length >= 2) singles.push(fuzzyWord(word));
  for (const word of p.middle) if (normaliseWord(word).length >= 3) singles.push(fuzzyWord(word));
  return { full, initials, singles };
}

/** An ID as a pattern tolerant of separators, case and leading zeros of its number groups. */
function idPattern(id: string): string | null {
  const alnum = id.replace(/[^\p{L}\p{N}]/gu, '');
  if (alnum.length < 4) return null;
  const groups = alnum.match(/\p{N}+|\p{L}+/gu) ?? [];
  const sep = '[-\\s./_#:]?';
  return groups
    .map((g) => {
      const chars = [...g].map((c) => escape(c));
      const zeros = /^0+/u.exec(g)?.[0].length ?? 0;
      // Leading zeros may be dropped, but never down to fewer than three significant characters in all.
      if (zeros > 0 && zeros < g.length && alnum.length - zeros >= 3) {
        return `0{0,${zeros}}${chars.slice(zeros).join(sep)}`;
      }
      return chars.join(sep);
    })
    .join(sep);
}

function placePattern(place: string): string {
  return place
    .trim()
    .split(/[\s,]+/u)
    .filter(informativeWord)
    .map((w) => {
      const n = normaliseWord(w);
      if (n === 'st' || n === 'st.' || n === 'saint') return '(?:st\\.?|saint)';
      if (n === '&' || n === 'and') return '(?:&|and)';
      return fuzzyWord(w);
    })
    .join(`,?${WS}`);
}

/** A letter or digit of a spaced script: next to a CJK character a name may start or end. */
const WORD_CHAR = `(?:(?!${UNSPACED.source})[\\p{L}\\p{N}])`;

const alternation = (patterns: string[], flags: string): RegExp | null => {
  // No pattern may match the empty string (an empty match never advances the scan).
  const unique = [...new Set(patterns)]
    .filter((p) => p !== '' && !new RegExp(`^(?:${p})$`, 'u').test(''))
    .sort((a, b) => b.length - a.length);
  if (unique.length === 0) return null;
  return new RegExp(`(?<!${WORD_CHAR})(?:${unique.join('|')})(?!${WORD_CHAR})`, flags);
};

const cache = new WeakMap<KnownIdentifiers, CompiledHeader>();

/** Compiles the identifiers once; the result is cached for the same object. */
export function compileHeader(known: KnownIdentifiers): CompiledHeader {
  const hit = cache.get(known);
  if (hit) return hit;
  const full: string[] = [];
  const initials: string[] = [];
  const singles: string[] = [];
  const roles = new Map<string, 'family' | 'given'>();
  const people = [
    ...(known.patientNames ?? []),
    ...(known.physicianNames ?? []),
    ...(known.operatorNames ?? []),
  ].flatMap(personNameGroups);
  for (const raw of people) {
    const person = parsePersonName(raw);
    if (!person) continue;
    const p = namePatterns(person);
    full.push(...p.full);
    initials.push(...p.initials);
    singles.push(...p.singles);
    for (const w of person.family) roles.set(normaliseWord(w), 'family');
    for (const w of [...person.given, ...person.middle])
      if (!roles.has(normaliseWord(w))) roles.set(normaliseWord(w), 'given');
  }
  const ids: string[] = [];
  const places: string[] = [];
  const placeWords: string[] = [];
  for (const id of [
    ...(known.patientIds ?? []),
    ...(known.accessionNumbers ?? []),
    ...(known.otherIds ?? []),
  ]) {
    const p = idPattern(id);
    if (p) ids.push(p);
  }
  for (const s of known.otherStrings ?? []) {
    const p = /\d/u.test(s) ? idPattern(s) : placePattern(s);
    if (p) ids.push(p);
  }
  for (const name of known.institutionNames ?? []) places.push(placePattern(name));
  for (const address of known.institutionAddresses ?? []) {
    places.push(placePattern(address));
    for (const part of address.split(',')) {
      const trimmed = part.trim();
      if (/\d/u.test(trimmed) && /\p{L}{2}/u.test(trimmed)) places.push(placePattern(trimmed));
      else if (/^\p{L}[\p{L} '-]{3,}$/u.test(trimmed) && !isNotNameWord(trimmed))
        placeWords.push(placePattern(trimmed));
      const zip = /\d{5}(?:-\d{4})?/u.exec(trimmed);
      if (zip) ids.push(escape(zip[0]));
    }
  }
  const dateKeys = new Set<string>();
  const monthDayKeys = new Set<string>();
  for (const d of [...(known.birthDate ? [known.birthDate] : []), ...(known.studyDates ?? [])]) {
    const key = d.trim();
    if (!/^\d{8}$/u.test(key)) continue;
    dateKeys.add(key);
    monthDayKeys.add(key.slice(4));
  }
  const compiled: CompiledHeader = {
    fullNames: alternation(full, 'giu'),
    initials: alternation(initials, 'gu'),
    singleNames: alternation(singles, 'giu'),
    ids: alternation(ids, 'giu'),
    places: alternation(places, 'giu'),
    placeWords: alternation(placeWords, 'giu'),
    dateKeys,
    monthDayKeys,
    roles,
  };
  cache.set(known, compiled);
  return compiled;
}

const DETERMINER_BEFORE =
  /(?:^|[^\p{L}])(?:a|an|the|this|that|his|her|their|its|new|old|indwelling|existing|right|left|with|no)[ \t]+$/iu;
const TITLE_BEFORE = /(?:^|[^\p{L}])(?:Drs?|Mrs?|Ms|Miss|Mx|Prof|Doctor)\.?[ \t]*$/u;
const NEXT_WORD = /^[ \t-]*(\p{L}+)/u;

/**
 * A single header name word that is also medicine ("Foley") is kept where it is used medically: after an
 * article or before a medical head noun ("the Foley", "Foley catheter"), unless a title precedes it.
 */
function usedMedically(text: string, start: number, end: number): boolean {
  const word = text.slice(start, end);
  if (!isMedicalWord(word)) return false;
  const before = text.slice(Math.max(0, start - 24), start);
  if (TITLE_BEFORE.test(before)) return false;
  if (DETERMINER_BEFORE.test(before)) return true;
  const next = NEXT_WORD.exec(text.slice(end, end + 24))?.[1];
  if (next !== undefined && (isMedicalHeadNoun(next) || (next.length === 1 && /\p{Lu}/u.test(next))))
    return true;
  return word === word.toUpperCase() && word.length <= 5;
}

/** Finds the header's identifiers in `text` (placeholders already masked). */
export function headerCandidates(text: string, header: CompiledHeader): Candidate[] {
  const out: Candidate[] = [];
  const add = (start: number, end: number, category: Candidate['category'], confidence: number) =>
    out.push({ start, end, category, source: 'header', confidence });
  const each = (re: RegExp | null, fn: (m: RegExpExecArray) => void) => {
    if (!re) return;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) fn(m);
  };
  each(header.fullNames, (m) => add(m.index, m.index + m[0].length, 'NAME', 0.99));
  each(header.initials, (m) => {
    const letters = m[0].replace(/[.\s]/gu, '');
    // Bare initials that spell an abbreviation ("PA", "CT") are medicine; dotted ones ("P.A.") are a person.
    if (!m[0].includes('.') && (isMedicalWord(letters) || letters.length < 2)) return;
    add(m.index, m.index + m[0].length, 'NAME', 0.8);
  });
  each(header.singleNames, (m) => {
    const first = m[0][0] ?? '';
    if (first !== first.toUpperCase()) return;
    if (usedMedically(text, m.index, m.index + m[0].length)) return;
    add(m.index, m.index + m[0].length, 'NAME', 0.9);
  });
  each(header.ids, (m) => add(m.index, m.index + m[0].length, 'ID', 0.99));
  each(header.places, (m) => add(m.index, m.index + m[0].length, 'LOCATION', 0.95));
  each(header.placeWords, (m) => {
    const first = m[0][0] ?? '';
    if (first === first.toUpperCase()) add(m.index, m.index + m[0].length, 'LOCATION', 0.85);
  });
  return out;
}
