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
 * per report, and a value's keys (a person, an ID, a place) are built only for reports that contain one of
 * its words, so a header with many people, addresses and IDs costs little more than a small one.
 */
import { isMedicalWord, isNotNameWord } from './allow-list.ts';
import { initialNameUse, nameWordUse } from './name-use.ts';
import { UNSPACED, informativeWord, personNameGroups } from './known-values.ts';
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

/**
 * The kinds of identifiers, each matched on its own (as one expression each used to be). idWords: header
 * strings without digits (station names and the like), found as places and reported as IDs.
 */
const GROUPS = ['fullNames', 'initials', 'singleNames', 'ids', 'idWords', 'places', 'placeWords'] as const;
type GroupName = (typeof GROUPS)[number];
type Builders = Record<GroupName, GroupBuilder>;

/**
 * One known value (a person, an ID, a place) and the keys it adds to the groups. A text gets the keys of the
 * values whose anchors (folded words every key of the value contains) it contains: most of a hospital's
 * header never appears in a given report, and its keys are then never built.
 */
interface Item {
  readonly anchors: readonly string[];
  readonly add: (b: Builders) => void;
  /** The calls `add` makes, recorded on first use and replayed after. */
  recorded?: [GroupName, string, Partial<Variant> | undefined, 'key' | 'skip'][];
}

export interface CompiledHeader {
  readonly items: readonly Item[];
  /** Groups built for a set of items (by their indices), kept for the next report that needs the same. */
  readonly built: Map<string, Record<GroupName, KeyGroup>>;
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
  skip(key: string): void {
    this.skipLetterAfter.add(key);
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
function addPerson(
  p: PersonName,
  full: GroupBuilder | null,
  initials: GroupBuilder | null,
  singles: GroupBuilder | null,
): void {
  const f = p.family.map(keyOf).join('');
  const g = p.given.map(keyOf).join('');
  const m = p.middle.map(keyOf).join('');
  const [f0 = '', g0 = '', m0 = ''] = [f[0], g[0], m[0]];
  if (full && f && g) {
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
      full.skip(g);
    }
    full.add(g0 + f, { capitals: [0] });
    full.add(f + g0, { capitals: [f.length], dotAfter: true });
  } else if (full && f) {
    full.add(f);
  }
  if (initials && f0 && g0) {
    initials.add(g0 + f0, { capitals: [0, 1], dotAfter: true });
    if (m0) initials.add(g0 + m0 + f0, { capitals: [0, 1, 2], dotAfter: true });
  }
  if (!singles) return;
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
  for (const word of place
    .trim()
    .split(/[\s,]+/u)
    .filter(informativeWord)) {
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

const wordKeys = (words: string[]) => words.map(keyOf);

/** Compiles the identifiers once; the result is cached for the same object. */
export function compileHeader(known: KnownIdentifiers): CompiledHeader {
  const hit = cache.get(known);
  if (hit) return hit;
  const items: Item[] = [];
  const item = (anchors: string[], add: (b: Builders) => void) => items.push({ anchors, add });
  const people: PersonName[] = [];
  for (const raw of [
    ...(known.patientNames ?? []),
    ...(known.physicianNames ?? []),
    ...(known.operatorNames ?? []),
  ].flatMap(personNameGroups)) {
    const person = parsePersonName(raw);
    if (!person) continue;
    people.push(person);
    // Every full name and single word contains one of its words; initials are too short to anchor.
    item(wordKeys([...person.family, ...person.given, ...person.middle]), (b) =>
      addPerson(person, b.fullNames, null, b.singleNames),
    );
    item([''], (b) => addPerson(person, null, b.initials, null));
  }
  const id = (value: string) => item([idAnchor(value)], (b) => addId(value, b.ids));
  const place = (value: string, group: 'idWords' | 'places' | 'placeWords') =>
    item([placeAnchor(value)], (b) => addPlace(value, b[group]));
  for (const value of [
    ...(known.patientIds ?? []),
    ...(known.accessionNumbers ?? []),
    ...(known.otherIds ?? []),
  ])
    id(value);
  for (const s of known.otherStrings ?? []) {
    if (/\d/u.test(s)) id(s);
    else place(s, 'idWords');
  }
  for (const name of known.institutionNames ?? []) place(name, 'places');
  for (const address of known.institutionAddresses ?? []) {
    place(address, 'places');
    for (const part of address.split(',')) {
      const trimmed = part.trim();
      if (/\d/u.test(trimmed) && /\p{L}{2}/u.test(trimmed)) place(trimmed, 'places');
      else if (/^\p{L}[\p{L} '-]{3,}$/u.test(trimmed) && !isNotNameWord(trimmed))
        place(trimmed, 'placeWords');
      const zip = /\d{5}(?:-\d{4})?/u.exec(trimmed)?.[0];
      if (zip) item([idAnchor(zip)], (b) => b.ids.add(keyOf(zip)));
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
    items,
    built: new Map(),
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

/** What every key of `idPattern`-style variants of `id` contains: its longest group, leading zeros aside. */
function idAnchor(id: string): string {
  const groups = keyOf(id).match(/\p{N}+|\p{L}+/gu) ?? [];
  return groups.map((g) => g.replace(/^0+(?=\d)/u, '')).reduce((a, b) => (b.length > a.length ? b : a), '');
}

/** What every key of a place contains: its longest word that has no spelled-out variant. */
function placeAnchor(place: string): string {
  return place
    .trim()
    .split(/[\s,]+/u)
    .filter((w) => !/^(?:st\.?|saint|&|and)$/iu.test(w))
    .map(keyOf)
    .reduce((a, b) => (b.length > a.length ? b : a), '');
}

/** The groups for one text: the keys of the values whose anchors its folded letters and digits contain. */
function groupsFor(text: string, header: CompiledHeader): Record<GroupName, KeyGroup> {
  const flat = keyOf(text);
  const used: number[] = [];
  header.items.forEach((it, i) => {
    if (it.anchors.some((a) => flat.includes(a))) used.push(i);
  });
  const key = used.join(',');
  const known = header.built.get(key);
  if (known) return known;
  const builders = {} as Builders;
  builders.fullNames = new GroupBuilder(NAME_GAP);
  builders.initials = new GroupBuilder(INITIALS_GAP);
  builders.singleNames = new GroupBuilder(NAME_GAP);
  builders.ids = new GroupBuilder(ID_GAP);
  builders.idWords = new GroupBuilder(PLACE_GAP);
  builders.places = new GroupBuilder(PLACE_GAP);
  builders.placeWords = new GroupBuilder(PLACE_GAP);
  for (const i of used) {
    const it = header.items[i]!;
    it.recorded ??= record(it);
    for (const [group, key, variant, kind] of it.recorded)
      if (kind === 'skip') builders[group].skip(key);
      else builders[group].add(key, variant);
  }
  const out = {} as Record<GroupName, KeyGroup>;
  for (const g of GROUPS) out[g] = builders[g].build();
  // Reports of one patient mostly name the same few values; a handful of sets covers them.
  if (header.built.size >= 8) header.built.delete(header.built.keys().next().value!);
  header.built.set(key, out);
  return out;
}

/** The calls an item makes to the groups, to replay them for every text that needs them. */
function record(it: Item): NonNullable<Item['recorded']> {
  const calls: NonNullable<Item['recorded']> = [];
  const recorder = {} as Builders;
  for (const g of GROUPS)
    recorder[g] = {
      add: (key: string, variant?: Partial<Variant>) => {
        if (key.length > 0) calls.push([g, key, variant, 'key']);
      },
      skip: (key: string) => calls.push([g, key, undefined, 'skip']),
    } as unknown as GroupBuilder;
  it.add(recorder);
  return calls;
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
  // An unknown middle initial is a letter of a spaced script: in Han and kana every character is a token.
  const singleLetter = (t: number) =>
    t < tokens.length && tokens[t]!.key.length === 1 && !UNSPACED.test(tokens[t]!.key);
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

/**
 * Tokens: runs of letters and digits; in scripts written without spaces (Han, kana) every character is a token
 * of its own, so a name is found inside a run of text ("山田太郎さん").
 */
const TOKEN = new RegExp(`(?:(?!${UNSPACED.source})[\\p{L}\\p{N}])+|${UNSPACED.source}`, 'gu');

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
  const groups = groupsFor(text, header);
  const out: Candidate[] = [];
  const add = (start: number, end: number, category: Candidate['category'], confidence: number) =>
    out.push({ start, end, category, source: 'header', confidence });
  // "A small effusion" spells the initial and family name of "Small^Alvin": the shared decision judges it.
  for (const [s, e] of matchGroup(text, tokens, groups.fullNames))
    if (initialNameUse(text, s, e) !== 'ordinary') add(s, e, 'NAME', 0.99);
  for (const [s, e] of matchGroup(text, tokens, groups.initials)) {
    const found = text.slice(s, e);
    const letters = found.replace(/[.\s]/gu, '');
    // Bare initials that spell an abbreviation ("PA", "CT") are medicine; dotted ones ("P.A.") are a person.
    if (!found.includes('.') && (isMedicalWord(letters) || letters.length < 2)) continue;
    add(s, e, 'NAME', 0.8);
  }
  for (const [s, e] of matchGroup(text, tokens, groups.singleNames)) {
    // One decision, shared with the leak gate: "Young adult" is a word, "Mr. Young" a person. Han and kana
    // have no case and no ordinary-word reading to weigh: a known name there is a name.
    if (UNSPACED.test(text[s]!) || nameWordUse(text, s, e) !== 'ordinary') add(s, e, 'NAME', 0.9);
  }
  for (const [s, e] of matchGroup(text, tokens, groups.ids)) add(s, e, 'ID', 0.99);
  for (const [s, e] of matchGroup(text, tokens, groups.idWords)) add(s, e, 'ID', 0.99);
  for (const [s, e] of matchGroup(text, tokens, groups.places)) add(s, e, 'LOCATION', 0.95);
  for (const [s, e] of matchGroup(text, tokens, groups.placeWords))
    if (isCapital(text[s])) add(s, e, 'LOCATION', 0.85);
  return out;
}
