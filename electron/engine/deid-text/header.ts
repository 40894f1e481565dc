/**
 * Header-informed scrubbing: the identifiers known for a study (DICOM header, source CSV) are found in the
 * report with their variants: name order, commas and carets, initials, case, accents, hyphens and spaces, IDs
 * with or without separators and leading zeros.
 *
 * How: one matcher per patient over normalised tokens. The report is split once into runs of letters and
 * digits, each folded (lower case, accents stripped, same length so offsets stay the report's); every variant
 * of an identifier is a key of folded letters and digits ("janedoe", "doej", "jdoe", "mrnfake0001"). A run of
 * consecutive tokens, joined by the separators that kind of identifier allows, whose concatenation is a key is
 * a match; the longest wins. Capitals an initial needs are checked in the report itself. Nothing is compiled
 * per report, so a header with many people, addresses and IDs costs a few map lookups per token.
 */
import { isMedicalWord, isNotNameWord } from './allow-list.ts';
import { nameWordUse } from './name-use.ts';
import type { Candidate, KnownIdentifiers } from './types.ts';

export interface PersonName {
  family: string[];
  given: string[];
  middle: string[];
}

/** One variant of an identifier, under its folded key. */
interface Variant {
  /** Offsets into the key of letters that must be capitals in the text (initials). */
  capitals: number[];
  /** Ends with an initial: a dot right after it belongs to the match. */
  dotAfter: boolean;
  /** A middle initial the header does not know may follow (with its dot). */
  letterAfter: boolean;
}

/** The variants of one kind of identifier and the separators allowed between their tokens. */
export interface KeyGroup {
  readonly gap: RegExp;
  readonly keys: Map<string, Variant[]>;
  /** The keys sorted, to tell whether a partial concatenation can still become one. */
  readonly sorted: string[];
  /** Keys (given names) after which one single-letter token (an unknown middle initial) may be skipped. */
  readonly skipLetterAfter: Set<string>;
}

export interface CompiledHeader {
  readonly fullNames: KeyGroup;
  readonly initials: KeyGroup;
  readonly singleNames: KeyGroup;
  readonly ids: KeyGroup;
  /** Header strings without digits (station names and the like): found as places, reported as IDs. */
  readonly idWords: KeyGroup;
  readonly places: KeyGroup;
  readonly placeWords: KeyGroup;
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

const foldCache = new Map<string, string>();

/** One UTF-16 unit folded to one unit: lower case, accents and compatibility forms stripped ("É" → "e"). */
function foldUnit(ch: string): string {
  let folded = foldCache.get(ch);
  if (folded === undefined) {
    const base = ch
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase();
    const lower = ch.toLowerCase();
    folded = base.length === 1 ? base : lower.length === 1 ? lower : ch;
    foldCache.set(ch, folded);
  }
  return folded;
}

/** `text` folded unit by unit, so its length (and every offset) is kept. */
function foldText(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/u.test(text)) return text.toLowerCase();
  let out = '';
  for (let i = 0; i < text.length; i++) out += foldUnit(text[i]!);
  return out;
}

/** A header value's key: folded letters and digits only. */
function keyOf(value: string): string {
  const folded = foldText(value);
  // eslint-disable-next-line no-control-regex
  return /^[\u0000-\u007f]*$/u.test(folded)
    ? folded.replace(/[^a-z0-9]+/gu, '')
    : folded.replace(/[^\p{L}\p{N}]+/gu, '');
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

/** Between the parts of a name: spaces, one line break, a comma, a caret, a dot or an apostrophe or hyphen. */
const NAME_GAP = /^[ \t]*[,^.'’-]?[ \t]*(?:\r?\n[ \t]*)?$/u;
/** Between initials: "J.D.", "J. D.", "J D". */
const INITIALS_GAP = /^\.?[ ]?$/u;
/** Inside an ID: one separator. */
const ID_GAP = /^[-\s./_#:]$/u;
/** Between the words of a place: a comma, "&", spaces, one line break; inside a word a hyphen or apostrophe. */
const PLACE_GAP = /^[ \t,&.'’-]{0,6}(?:\r?\n[ \t]*)?$/u;

const NO_CAPITALS: number[] = [];
const PLAIN: Variant = { capitals: NO_CAPITALS, dotAfter: false, letterAfter: false };

class GroupBuilder {
  readonly keys = new Map<string, Variant[]>();
  readonly skipLetterAfter = new Set<string>();
  private readonly gap: RegExp;
  constructor(gap: RegExp) {
    this.gap = gap;
  }
  add(key: string, variant?: Partial<Variant>): void {
    if (key.length === 0) return;
    // Most keys are plain: one shared variant keeps a header's compilation light on garbage.
    const v: Variant = variant
      ? {
          capitals: variant.capitals ?? NO_CAPITALS,
          dotAfter: variant.dotAfter ?? false,
          letterAfter: variant.letterAfter ?? false,
        }
      : PLAIN;
    const list = this.keys.get(key);
    if (list) list.push(v);
    else this.keys.set(key, [v]);
  }
  build(): KeyGroup {
    return {
      gap: this.gap,
      keys: this.keys,
      sorted: [...this.keys.keys()].sort(),
      skipLetterAfter: this.skipLetterAfter,
    };
  }
}

/** Every variant of a person's name, as the full, initials and single-word groups know them. */
function addPerson(p: PersonName, full: GroupBuilder, initials: GroupBuilder, singles: GroupBuilder): void {
  const f = p.family.map(keyOf).join('');
  const g = p.given.map(keyOf).join('');
  const m = p.middle.map(keyOf).join('');
  const [f0 = '', g0 = '', m0 = ''] = [f[0], g[0], m[0]];
  if (f && g) {
    full.add(g + f);
    full.add(f + g, { letterAfter: !m });
    if (m) {
      full.add(g + m + f);
      full.add(g + m0 + f, { capitals: [g.length] });
      full.add(f + g + m);
      full.add(f + g + m0, { capitals: [f.length + g.length], dotAfter: true });
      full.add(g0 + m0 + f, { capitals: [0, 1] });
      full.add(f + g0 + m0, { capitals: [f.length, f.length + 1], dotAfter: true });
    } else {
      // "Jane Q. Doe": a middle initial the header does not know.
      full.skipLetterAfter.add(g);
    }
    full.add(g0 + f, { capitals: [0] });
    full.add(f + g0, { capitals: [f.length], dotAfter: true });
  } else if (f) {
    full.add(f);
  }
  if (f0 && g0) {
    initials.add(g0 + f0, { capitals: [0, 1], dotAfter: true });
    if (m0) initials.add(g0 + m0 + f0, { capitals: [0, 1, 2], dotAfter: true });
  }
  if (p.family.length > 1) singles.add(f);
  for (const word of [...p.family, ...p.given]) if (normaliseWord(word).length >= 2) singles.add(keyOf(word));
  for (const word of p.middle) if (normaliseWord(word).length >= 3) singles.add(keyOf(word));
}

/**
 * An ID's keys: as written, and with some or all leading zeros of each number group dropped, as long as
 * three significant characters remain.
 */
function addId(id: string, group: GroupBuilder): void {
  const key = keyOf(id);
  if (key.length < 4) return;
  let keys = [''];
  for (const g of key.match(/\p{N}+|\p{L}+/gu) ?? []) {
    const zeros = /^0+/u.exec(g)?.[0].length ?? 0;
    const forms =
      zeros > 0 && zeros < g.length && key.length - zeros >= 3
        ? Array.from({ length: zeros + 1 }, (_, k) => g.slice(k))
        : [g];
    keys = keys.flatMap((k) => forms.map((f) => k + f)).slice(0, 32);
  }
  for (const k of keys) group.add(k);
}

/** A place's keys: "St"/"Saint" and "&"/"and" both ways. */
function addPlace(place: string, group: GroupBuilder): void {
  let keys = [''];
  for (const word of place.trim().split(/[\s,]+/u)) {
    const n = normaliseWord(word);
    const forms =
      n === 'st' || n === 'st.' || n === 'saint'
        ? ['st', 'saint']
        : n === '&' || n === 'and'
          ? ['', 'and']
          : [keyOf(word)];
    keys = keys.flatMap((k) => forms.map((f) => k + f)).slice(0, 16);
  }
  for (const key of keys) group.add(key);
}

function rolesOf(people: PersonName[]): Map<string, 'family' | 'given'> {
  const roles = new Map<string, 'family' | 'given'>();
  for (const person of people) {
    for (const w of person.family) roles.set(normaliseWord(w), 'family');
    for (const w of [...person.given, ...person.middle])
      if (!roles.has(normaliseWord(w))) roles.set(normaliseWord(w), 'given');
  }
  return roles;
}

const cache = new WeakMap<KnownIdentifiers, CompiledHeader>();

/** Compiles the identifiers once; the result is cached for the same object. */
export function compileHeader(known: KnownIdentifiers): CompiledHeader {
  const hit = cache.get(known);
  if (hit) return hit;
  const full = new GroupBuilder(NAME_GAP);
  const initials = new GroupBuilder(INITIALS_GAP);
  const singles = new GroupBuilder(NAME_GAP);
  const ids = new GroupBuilder(ID_GAP);
  const idWords = new GroupBuilder(PLACE_GAP);
  const places = new GroupBuilder(PLACE_GAP);
  const placeWords = new GroupBuilder(PLACE_GAP);
  const people: PersonName[] = [];
  for (const raw of [
    ...(known.patientNames ?? []),
    ...(known.physicianNames ?? []),
    ...(known.operatorNames ?? []),
  ]) {
    const person = parsePersonName(raw);
    if (!person) continue;
    addPerson(person, full, initials, singles);
    people.push(person);
  }
  for (const id of [
    ...(known.patientIds ?? []),
    ...(known.accessionNumbers ?? []),
    ...(known.otherIds ?? []),
  ])
    addId(id, ids);
  for (const s of known.otherStrings ?? []) {
    if (/\d/u.test(s)) addId(s, ids);
    else addPlace(s, idWords);
  }
  for (const name of known.institutionNames ?? []) addPlace(name, places);
  for (const address of known.institutionAddresses ?? []) {
    addPlace(address, places);
    for (const part of address.split(',')) {
      const trimmed = part.trim();
      if (/\d/u.test(trimmed) && /\p{L}{2}/u.test(trimmed)) addPlace(trimmed, places);
      else if (/^\p{L}[\p{L} '-]{3,}$/u.test(trimmed) && !isNotNameWord(trimmed))
        addPlace(trimmed, placeWords);
      const zip = /\d{5}(?:-\d{4})?/u.exec(trimmed);
      if (zip) ids.add(keyOf(zip[0]));
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
  let roles: Map<string, 'family' | 'given'> | undefined;
  const compiled: CompiledHeader = {
    fullNames: full.build(),
    initials: initials.build(),
    singleNames: singles.build(),
    ids: ids.build(),
    idWords: idWords.build(),
    places: places.build(),
    placeWords: placeWords.build(),
    dateKeys,
    monthDayKeys,
    // Only surrogates need the roles: built on first use.
    get roles() {
      return (roles ??= rolesOf(people));
    },
  };
  cache.set(known, compiled);
  return compiled;
}

interface Token {
  start: number;
  end: number;
  key: string;
}

/** Whether some key of the group starts with `partial` (binary search over the sorted keys). */
function canGrow(group: KeyGroup, partial: string): boolean {
  const keys = group.sorted;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < partial) lo = mid + 1;
    else hi = mid;
  }
  return lo < keys.length && keys[lo]!.startsWith(partial);
}

const isCapital = (ch: string | undefined) => ch !== undefined && ch !== ch.toLowerCase();

/**
 * The matches of one group, leftmost first and longest at each start, not overlapping (as one regular
 * expression would find them): [start, end) in `text`.
 */
function matchGroup(text: string, tokens: Token[], group: KeyGroup): [number, number][] {
  const out: [number, number][] = [];
  if (group.sorted.length === 0) return out;
  const gapOk = (a: number, b: number) => group.gap.test(text.slice(tokens[a]!.end, tokens[b]!.start));
  const singleLetter = (t: number) => t < tokens.length && tokens[t]!.key.length === 1;
  let best: { end: number; last: number } | null = null;
  // The tokens of the concatenation so far (a skipped initial is not part of it).
  const path: number[] = [];
  const at = (offset: number) => {
    let from = 0;
    for (const u of path) {
      const len = tokens[u]!.key.length;
      if (offset < from + len) return tokens[u]!.start + offset - from;
      from += len;
    }
    return -1;
  };
  const visit = (t: number, partial: string, skipped: boolean): void => {
    const token = tokens[t]!;
    const concat = partial + token.key;
    if (!canGrow(group, concat)) return;
    path.push(t);
    for (const v of group.keys.get(concat) ?? []) {
      if (!v.capitals.every((c) => isCapital(text[at(c)]))) continue;
      let end = token.end;
      let last = t;
      if (v.letterAfter && singleLetter(t + 1) && gapOk(t, t + 1)) {
        last = t + 1;
        end = tokens[last]!.end;
        if (text[end] === '.') end++;
      } else if (v.dotAfter && text[end] === '.') end++;
      if (!best || end > best.end) best = { end, last };
      break;
    }
    if (t + 1 < tokens.length && gapOk(t, t + 1)) {
      visit(t + 1, concat, skipped);
      if (!skipped && group.skipLetterAfter.has(concat) && singleLetter(t + 1) && t + 2 < tokens.length)
        if (gapOk(t + 1, t + 2)) visit(t + 2, concat, true);
    }
    path.pop();
  };
  for (let i = 0; i < tokens.length;) {
    best = null;
    visit(i, '', false);
    const found = best as { end: number; last: number } | null;
    if (found) {
      out.push([tokens[i]!.start, found.end]);
      i = found.last + 1;
    } else i++;
  }
  return out;
}

const TOKEN = /[\p{L}\p{N}]+/gu;

/** Finds the header's identifiers in `text` (placeholders already masked). */
export function headerCandidates(text: string, header: CompiledHeader): Candidate[] {
  const folded = foldText(text);
  const tokens: Token[] = [];
  for (const m of text.matchAll(TOKEN))
    tokens.push({
      start: m.index,
      end: m.index + m[0].length,
      key: folded.slice(m.index, m.index + m[0].length),
    });
  const out: Candidate[] = [];
  const add = (start: number, end: number, category: Candidate['category'], confidence: number) =>
    out.push({ start, end, category, source: 'header', confidence });
  for (const [s, e] of matchGroup(text, tokens, header.fullNames)) add(s, e, 'NAME', 0.99);
  for (const [s, e] of matchGroup(text, tokens, header.initials)) {
    const found = text.slice(s, e);
    const letters = found.replace(/[.\s]/gu, '');
    // Bare initials that spell an abbreviation ("PA", "CT") are medicine; dotted ones ("P.A.") are a person.
    if (!found.includes('.') && (isMedicalWord(letters) || letters.length < 2)) continue;
    add(s, e, 'NAME', 0.8);
  }
  for (const [s, e] of matchGroup(text, tokens, header.singleNames)) {
    // One decision, shared with the leak gate: "Young adult" is a word, "Mr. Young" a person.
    if (nameWordUse(text, s, e) !== 'ordinary') add(s, e, 'NAME', 0.9);
  }
  for (const [s, e] of matchGroup(text, tokens, header.ids)) add(s, e, 'ID', 0.99);
  for (const [s, e] of matchGroup(text, tokens, header.idWords)) add(s, e, 'ID', 0.99);
  for (const [s, e] of matchGroup(text, tokens, header.places)) add(s, e, 'LOCATION', 0.95);
  for (const [s, e] of matchGroup(text, tokens, header.placeWords))
    if (isCapital(text[s])) add(s, e, 'LOCATION', 0.85);
  return out;
}
