/**
 * The leak gate: scans every text an export writes for the original identifiers of the included patients and
 * for identifier-shaped patterns. A hit names the file, the record and the category, never the value.
 *
 * Identifiers: one combined token index over all patients (normalised: lower case, accents stripped, split on
 * anything that is not a letter or digit). A run of consecutive tokens whose concatenation is a key is a hit,
 * so "Jane Doe", "DOE, JANE", "DOE^JANE", "J. Doe", "MRN FAKE 0001" and "mrnfake0001" all meet the same key.
 * A family name alone counts when written with a capital and not an allow-listed medical word ("Foley
 * catheter" is medicine). Person Name groups (`Yamada^Tarou=山田^太郎=…`) are names of their own; in Han and
 * kana, which are written without spaces, each character is a token, so 山田 is found inside 患者山田様, and a
 * family or given name of two characters counts alone. Original dates (birth, study) are found in any format
 * by parsing every date in the text and comparing the day: a date that was not shifted is a leak.
 *
 * Patterns: phone numbers, e-mail and web addresses, IP addresses and social security numbers, except the
 * reserved fictional ranges surrogates use (555-01xx, example.org, 192.0.2.0/24, SSNs starting with 9).
 * Surrogate IDs and names cannot be told from real ones by shape, so for those the identifier scan is the
 * guarantee.
 */
import {
  dateKey,
  isMedicalWord,
  normaliseWord,
  parsePersonName,
  personNameGroups,
  scanDates,
  UNSPACED,
} from '../deid-text/index.ts';
import type { KnownIdentifiers, PhiCategory } from '../deid-text/index.ts';

export { dicomScanItems, readableRuns } from './dicom.ts';

/**
 * Identifiers with whose they are (e.g. the patient's pseudonym in a bundle): dates are then only looked for
 * in texts of the same scope, since another patient's shifted date may equal them by chance.
 */
export type ScopedIdentifiers = KnownIdentifiers & { scope?: string };

export interface ScanItem {
  file: string;
  record: string;
  text: string;
  /** The patient (scope) this text belongs to, when known: original dates are matched within it only. */
  scope?: string;
}

export interface LeakHit {
  file: string;
  record: string;
  category: PhiCategory;
  kind: 'identifier' | 'pattern';
}

export interface LeakReport {
  ok: boolean;
  hits: LeakHit[];
  textsScanned: number;
}

export interface ScanOptions {
  /** Also flag identifier-shaped patterns (default true). */
  patterns?: boolean;
}

interface Key {
  category: PhiCategory;
  /** A single word that counts only when written with a capital. */
  capitalOnly: boolean;
}

/** The combined index of every identifier; build once per export. */
export interface LeakMatcher {
  keys: Map<string, Key>;
  prefixes: Set<string>;
  /** Original date (YYYYMMDD) → the scopes it belongs to ('' for identifiers without a scope). */
  dates: Map<string, Set<string>>;
  maxTokens: number;
}

/** Words; in scripts written without spaces (Han, kana) each character is a token of its own. */
const TOKEN = new RegExp(`${UNSPACED.source}|(?:(?!${UNSPACED.source})[\\p{L}\\p{N}])+`, 'gu');
/** Identifier keys: 3 characters, or 2 in a script whose characters are syllables or words. */
const longEnough = (key: string) => key.length >= 3 || (key.length === 2 && UNSPACED.test(key));
const tokensOf = (s: string) => (normaliseWord(s).match(TOKEN) ?? []) as string[];

export function buildMatcher(identifiers: ScopedIdentifiers[]): LeakMatcher {
  const keys = new Map<string, Key>();
  const prefixes = new Set<string>();
  const dates = new Map<string, Set<string>>();
  let maxTokens = 1;
  const add = (tokens: string[], category: PhiCategory, capitalOnly = false) => {
    const key = tokens.join('');
    if (!longEnough(key)) return;
    const existing = keys.get(key);
    if (existing && !existing.capitalOnly) return;
    keys.set(key, { category, capitalOnly });
    maxTokens = Math.max(maxTokens, tokens.length);
    for (let i = 1; i <= key.length; i++) prefixes.add(key.slice(0, i));
  };
  for (const known of identifiers) {
    for (const raw of [
      ...(known.patientNames ?? []),
      ...(known.physicianNames ?? []),
      ...(known.operatorNames ?? []),
    ].flatMap(personNameGroups)) {
      const p = parsePersonName(raw);
      if (!p) continue;
      const family = p.family.flatMap(tokensOf);
      const given = p.given.flatMap(tokensOf);
      const middle = p.middle.flatMap(tokensOf);
      if (given.length > 0) {
        const g0 = given[0]?.[0] ?? '';
        add([...given, ...family], 'NAME');
        add([...family, ...given], 'NAME');
        add([g0, ...family], 'NAME');
        if (middle.length > 0) {
          add([...given, ...middle, ...family], 'NAME');
          add([...family, ...given, ...middle], 'NAME');
          add([...given, middle[0]?.[0] ?? '', ...family], 'NAME');
        }
      }
      if (longEnough(family.join(''))) add(family, 'NAME', true);
      // In CJK a given name alone is as telling as a family name.
      if (given.some((t) => UNSPACED.test(t)) && longEnough(given.join(''))) add(given, 'NAME', true);
    }
    for (const id of [
      ...(known.patientIds ?? []),
      ...(known.accessionNumbers ?? []),
      ...(known.otherIds ?? []),
      ...(known.otherStrings ?? []),
    ]) {
      const tokens = tokensOf(id);
      if (tokens.join('').length < 4) continue;
      add(tokens, 'ID');
      const unpadded = tokens.map((t) => (/^\d+$/u.test(t) ? t.replace(/^0+(?=\d)/u, '') : t));
      if (unpadded.join('').length >= 4) add(unpadded, 'ID');
    }
    for (const place of known.institutionNames ?? []) add(tokensOf(place), 'LOCATION');
    for (const address of known.institutionAddresses ?? []) {
      add(tokensOf(address), 'LOCATION');
      const street = address.split(',')[0] ?? '';
      if (/\d/u.test(street) && /\p{L}{3}/u.test(street)) add(tokensOf(street), 'LOCATION');
    }
    for (const d of [known.birthDate, ...(known.studyDates ?? [])]) {
      if (!d || !/^\d{8}$/u.test(d.trim())) continue;
      const owners = dates.get(d.trim()) ?? new Set<string>();
      owners.add(known.scope ?? '');
      dates.set(d.trim(), owners);
    }
  }
  return { keys, prefixes, dates, maxTokens };
}

const PATTERNS: { re: RegExp; category: PhiCategory; fake: (m: string) => boolean }[] = [
  {
    re: /(?<![\w.+-])(?:\+?1[-. ]?)?(?:\(\d{3}\)[ ]?|\d{3}[-. ])(\d{3})[-. ](\d{4})(?![\w]|-\d)/gu,
    category: 'CONTACT',
    fake: (m) => /555[-. ]01\d\d$/u.test(m),
  },
  {
    re: /(?<![\w.+-])[\w.+-]+@([\w-]+(?:\.[\w-]+)+)/gu,
    category: 'CONTACT',
    fake: (m) => /@example\.(?:org|com|net)$/iu.test(m),
  },
  {
    re: /(?<![\w/])(?:https?:\/\/|www\.)[^\s<>"')\]]+/giu,
    category: 'CONTACT',
    fake: (m) => /^(?:https?:\/\/)?(?:www\.)?example\.(?:org|com|net)(?:[/?#]|$)/iu.test(m),
  },
  {
    re: /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w]|\.\d)/gu,
    category: 'CONTACT',
    fake: (m) => /^(?:192\.0\.2|198\.51\.100|203\.0\.113)\./u.test(m),
  },
  {
    re: /(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w]|-\d)/gu,
    category: 'ID',
    fake: (m) => /^(?:9|000|666)/u.test(m),
  },
];

/** The categories of leaks in one text (no values). */
export function scanText(
  text: string,
  matcher: LeakMatcher,
  options: ScanOptions = {},
  scope?: string,
): Map<PhiCategory, 'identifier' | 'pattern'> {
  const found = new Map<PhiCategory, 'identifier' | 'pattern'>();
  const tokens: { norm: string; start: number; end: number; capital: boolean }[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const first = m[0][0] ?? '';
    tokens.push({
      norm: normaliseWord(m[0]),
      start: m.index,
      end: m.index + m[0].length,
      // A caseless script has no capitals to tell a name by: its names always count.
      capital: first !== first.toLowerCase() || UNSPACED.test(first),
    });
  }
  for (let i = 0; i < tokens.length; i++) {
    let concat = '';
    for (let j = i; j < tokens.length && j < i + matcher.maxTokens; j++) {
      const token = tokens[j]!;
      // Tokens of one identifier sit close together: a space, a comma, a caret, a line wrap.
      if (j > i && token.start - tokens[j - 1]!.end > 4) break;
      concat += token.norm;
      if (!matcher.prefixes.has(concat)) break;
      const key = matcher.keys.get(concat);
      if (!key) continue;
      const unspaced = UNSPACED.test(tokens[i]!.norm);
      if (
        key.capitalOnly &&
        ((j > i && !unspaced) || !tokens[i]!.capital || isMedicalWord(text.slice(token.start, token.end)))
      )
        continue;
      found.set(key.category, 'identifier');
    }
  }
  if (matcher.dates.size > 0) {
    scanDates(text, (hit) => {
      const key = dateKey(hit.parts);
      const owners = key ? matcher.dates.get(key) : undefined;
      // A text of a known patient is checked against that patient's dates (and unscoped ones); a text of no
      // known patient against every date.
      if (owners && (scope === undefined || owners.has(scope) || owners.has('')))
        found.set('DATE', 'identifier');
    });
  }
  if (options.patterns !== false) {
    for (const { re, category, fake } of PATTERNS) {
      if (found.has(category)) continue;
      re.lastIndex = 0;
      for (const m of text.matchAll(re)) {
        if (!fake(m[0])) {
          found.set(category, 'pattern');
          break;
        }
      }
    }
  }
  return found;
}

/** Scans every text; `ok` only when nothing was found. Hits never carry the matched value. */
export async function scanTexts(
  items: AsyncIterable<ScanItem> | Iterable<ScanItem>,
  identifiers: ScopedIdentifiers[] | LeakMatcher,
  options: ScanOptions = {},
): Promise<LeakReport> {
  const matcher = Array.isArray(identifiers) ? buildMatcher(identifiers) : identifiers;
  const hits: LeakHit[] = [];
  let textsScanned = 0;
  for await (const item of items) {
    textsScanned++;
    for (const [category, kind] of scanText(item.text, matcher, options, item.scope)) {
      hits.push({ file: item.file, record: item.record, category, kind });
    }
  }
  return { ok: hits.length === 0, hits, textsScanned };
}
