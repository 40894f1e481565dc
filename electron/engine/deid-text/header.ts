/**
 * Header-informed scrubbing: the identifiers known for a study (DICOM header, source CSV) are compiled into
 * a few combined regular expressions that find them in the report with their variants: name order, commas
 * and carets, initials, case, accents, hyphens and spaces, IDs with or without separators and leading zeros.
 *
 * Speed: a hospital header names six or more people, two addresses and ten IDs, and a report contains almost
 * none of them. Each combined expression therefore carries anchors (the letters and digits every match of it
 * must contain, accents and case folded) and is built and run only when one of its anchors occurs in the
 * report's letters and digits; a report is folded once for all of them.
 */
import { isMedicalWord, isNotNameWord } from './allow-list.ts';
import { WS } from './dates.ts';
import { nameWordUse } from './name-use.ts';
import type { Candidate, KnownIdentifiers } from './types.ts';

export interface PersonName {
  family: string[];
  given: string[];
  middle: string[];
}

/**
 * One combined expression with its anchors: it can match only a text whose folded letters and digits contain
 * one of them. Built on first use, as most reports never need it.
 */
export interface Finder {
  readonly anchors: readonly string[];
  regex(): RegExp;
}

export interface CompiledHeader {
  readonly fullNames: Finder | null;
  readonly initials: Finder | null;
  readonly singleNames: Finder | null;
  readonly ids: Finder | null;
  readonly places: Finder | null;
  readonly placeWords: Finder | null;
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

/** Letters and digits only, accents stripped and case folded: what every anchor is looked for in. */
export function foldedLettersAndDigits(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** The longest run of letters and digits of a value: any match of the value's pattern contains it. */
function anchorOf(value: string): string {
  const runs = value
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u);
  return runs.reduce((a, b) => (b.length > a.length ? b : a), '');
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

/** Parses `LAST^FIRST^MIDDLE`, `Last, First Middle` or `First Middle Last`. */
export function parsePersonName(raw: string): PersonName | null {
  const value = raw.trim();
  if (!value) return null;
  const words = (s: string | undefined) => (s ?? '').split(/\s+/u).filter((w) => w.length > 0);
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

function namePatterns(p: PersonName): { full: string[]; initials: string[]; singles: Item[] } {
  const full: string[] = [];
  const initials: string[] = [];
  const singles: Item[] = [];
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
  const middle = M ? `(?:${NS}(?:${M}|${mi}))?` : `(?:${NS}\\p{L}\\.?)?`;
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
  const single = (word: string) => ({ anchor: anchorOf(word), patterns: [fuzzyWord(word)] });
  if (p.family.length > 1) singles.push({ anchor: longest(p.family), patterns: [F] });
  for (const word of [...p.family, ...p.given])
    if (normaliseWord(word).length >= 2) singles.push(single(word));
  for (const word of p.middle) if (normaliseWord(word).length >= 3) singles.push(single(word));
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

/** What every match of `idPattern(id)` contains: its longest group of digits or letters, leading zeros aside. */
function idAnchor(id: string): string {
  const groups = foldedLettersAndDigits(id).match(/\p{N}+|\p{L}+/gu) ?? [];
  return groups.map((g) => g.replace(/^0+(?=\d)/u, '')).reduce((a, b) => (b.length > a.length ? b : a), '');
}

/** The words of a place, as `placePattern` splits them. */
const placeWordsOf = (place: string) =>
  place
    .trim()
    .split(/[\s,]+/u)
    .filter((w) => w.length > 0);

/** What every match of `placePattern(place)` contains: its longest word that has no spelled-out variant. */
function placeAnchor(place: string): string {
  const fixed = placeWordsOf(place).filter((w) => !/^(?:st\.?|saint|&|and)$/iu.test(w));
  return fixed.map(anchorOf).reduce((a, b) => (b.length > a.length ? b : a), '');
}

function placePattern(place: string): string {
  return placeWordsOf(place)
    .map((w) => {
      const n = normaliseWord(w);
      if (n === 'st' || n === 'st.' || n === 'saint') return '(?:st\\.?|saint)';
      if (n === '&' || n === 'and') return '(?:&|and)';
      return fuzzyWord(w);
    })
    .join(`,?${WS}`);
}

const alternation = (patterns: string[], flags: string): RegExp => {
  const unique = [...new Set(patterns)].sort((a, b) => b.length - a.length);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${unique.join('|')})(?![\\p{L}\\p{N}])`, flags);
};

/**
 * The expression over the items that have patterns, with their anchors; an item without an anchor (no
 * letters or digits) makes it run on every text.
 */
function finder(items: Item[], flags: string): Finder | null {
  const used = items.filter((i) => i.patterns.length > 0);
  if (used.length === 0) return null;
  const anchors = used.map((i) => i.anchor);
  let built: RegExp | null = null;
  return {
    anchors: anchors.includes('') ? [''] : [...new Set(anchors)],
    regex: () =>
      (built ??= alternation(
        used.flatMap((i) => i.patterns),
        flags,
      )),
  };
}

const cache = new WeakMap<KnownIdentifiers, CompiledHeader>();

interface Item {
  anchor: string;
  patterns: string[];
}

const longest = (words: string[]) => words.map(anchorOf).reduce((a, b) => (b.length > a.length ? b : a), '');

/** Full names are anchored on their family name, single words on themselves; initials are too short. */
function nameItems(people: PersonName[]): { full: Item[]; initials: Item[]; singles: Item[] } {
  const full: Item[] = [];
  const initials: Item[] = [];
  const singles: Item[] = [];
  for (const person of people) {
    const p = namePatterns(person);
    full.push({ anchor: longest(person.family), patterns: p.full });
    initials.push({ anchor: '', patterns: p.initials });
    singles.push(...p.singles);
  }
  return { full, initials, singles };
}

/** Compiles the identifiers once; the result is cached for the same object. */
export function compileHeader(known: KnownIdentifiers): CompiledHeader {
  const hit = cache.get(known);
  if (hit) return hit;
  const roles = new Map<string, 'family' | 'given'>();
  const people: PersonName[] = [];
  for (const raw of [
    ...(known.patientNames ?? []),
    ...(known.physicianNames ?? []),
    ...(known.operatorNames ?? []),
  ]) {
    const person = parsePersonName(raw);
    if (!person) continue;
    people.push(person);
    for (const w of person.family) roles.set(normaliseWord(w), 'family');
    for (const w of [...person.given, ...person.middle])
      if (!roles.has(normaliseWord(w))) roles.set(normaliseWord(w), 'given');
  }
  const names = nameItems(people);
  const ids: Item[] = [];
  const places: Item[] = [];
  const placeWords: Item[] = [];
  const id = (value: string): Item => {
    const p = idPattern(value);
    return { anchor: idAnchor(value), patterns: p ? [p] : [] };
  };
  const place = (value: string): Item => ({ anchor: placeAnchor(value), patterns: [placePattern(value)] });
  for (const value of [
    ...(known.patientIds ?? []),
    ...(known.accessionNumbers ?? []),
    ...(known.otherIds ?? []),
  ])
    ids.push(id(value));
  for (const value of known.otherStrings ?? []) ids.push(/\d/u.test(value) ? id(value) : place(value));
  for (const name of known.institutionNames ?? []) places.push(place(name));
  for (const address of known.institutionAddresses ?? []) {
    places.push(place(address));
    for (const part of address.split(',')) {
      const trimmed = part.trim();
      if (/\d/u.test(trimmed) && /\p{L}{2}/u.test(trimmed)) places.push(place(trimmed));
      else if (/^\p{L}[\p{L} '-]{3,}$/u.test(trimmed) && !isNotNameWord(trimmed))
        placeWords.push(place(trimmed));
      const zip = /\d{5}(?:-\d{4})?/u.exec(trimmed);
      if (zip) ids.push({ anchor: idAnchor(zip[0]), patterns: [escape(zip[0])] });
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
    fullNames: finder(names.full, 'giu'),
    initials: finder(names.initials, 'gu'),
    singleNames: finder(names.singles, 'giu'),
    ids: finder(ids, 'giu'),
    places: finder(places, 'giu'),
    placeWords: finder(placeWords, 'giu'),
    dateKeys,
    monthDayKeys,
    roles,
  };
  cache.set(known, compiled);
  return compiled;
}

/** Finds the header's identifiers in `text` (placeholders already masked). */
export function headerCandidates(text: string, header: CompiledHeader): Candidate[] {
  const out: Candidate[] = [];
  const add = (start: number, end: number, category: Candidate['category'], confidence: number) =>
    out.push({ start, end, category, source: 'header', confidence });
  let folded: string | null = null;
  const each = (found: Finder | null, fn: (m: RegExpExecArray) => void) => {
    if (!found) return;
    folded ??= foldedLettersAndDigits(text);
    if (!found.anchors.some((a) => folded!.includes(a))) return;
    const re = found.regex();
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
    // One decision, shared with the leak gate: "Young adult" is a word, "Mr. Young" a person.
    if (nameWordUse(text, m.index, m.index + m[0].length) === 'ordinary') return;
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
